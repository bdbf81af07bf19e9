#include <unistd.h>

#include <fmt/format.h>

#include "streamll/sink.hpp"
#include "streamll/timestamp.hpp"

namespace streamll {

namespace {

const char* colour_of(std::string_view type) {
  if (is_error_type(type)) return "\x1b[31m";                              // red
  if (type == "start" || type.ends_with(".start")) return "\x1b[36m";      // cyan
  if (type == "end" || type.ends_with(".end")) return "\x1b[32m";          // green
  return "\x1b[0m";
}

}  // namespace

TerminalSink::TerminalSink(std::FILE* out) : out_(out), colour_(isatty(fileno(out)) != 0) {}

Status TerminalSink::write(std::span<const EventView> batch) {
  std::string text;
  for (const EventView& e : batch) {
    const std::string ts = format_timestamp(e.timestamp);
    // HH:MM:SS.ffffff of the RFC 3339 text; the date rarely matters on a terminal.
    fmt::format_to(std::back_inserter(text), "{} {} {}{}{} {}{} {}\n", ts.substr(11, 15),
                   e.execution_id.substr(0, 8), colour_ ? colour_of(e.event_type) : "", e.event_type,
                   colour_ ? "\x1b[0m" : "", e.module_name,
                   e.operation ? fmt::format(" [{}]", *e.operation) : std::string(), e.data_json);
  }
  if (std::fwrite(text.data(), 1, text.size(), out_) != text.size()) {
    return Status::io_error("terminal sink: write failed");
  }
  return Status::ok_status();
}

Status TerminalSink::flush() {
  return std::fflush(out_) == 0 ? Status::ok_status() : Status::io_error("terminal sink: flush failed");
}

}  // namespace streamll

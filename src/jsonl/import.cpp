#include <istream>

#include <fmt/format.h>

#include "event/event_decoder.hpp"
#include "streamll/event_batch.hpp"
#include "streamll/jsonl.hpp"

namespace streamll {

namespace {

bool is_blank(std::string_view line) {
  return line.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

// The decoded events handed to Store::append_all per part: enough to
// amortize a part's dedupe lookup and write, little next to a large file.
constexpr size_t kPartEvents = 8192;
constexpr size_t kPartLineBytes = 16 << 20;

}  // namespace

Status import_jsonl(std::istream& in, Store* store, const ImportOptions& options,
                    ImportReport* report) {
  *report = ImportReport{};
  // One part of the events as the store keeps them (compact text, no JSON trees).
  EventBatch part;
  detail::DecodedEvent decoded;
  std::vector<size_t> line_of;  // each event's line number, in the whole
  std::string line;
  const Store::EventSource next = [&](std::span<const EventView>* out) {
    part.clear();
    size_t bytes = 0;
    while (part.size() < kPartEvents && bytes < kPartLineBytes && std::getline(in, line)) {
      ++report->lines;
      if (is_blank(line)) continue;
      const Status s = detail::decode_event_json(line, &decoded);
      if (s.ok()) {
        part.add(decoded.view());
        line_of.push_back(report->lines);
        bytes += line.size();
        continue;
      }
      ++report->invalid;
      report->problems.push_back(fmt::format("{}:{}: {}", options.source_name, report->lines, s.message()));
      if (!options.skip_invalid) return Status::invalid_argument(report->problems.back() + " (nothing was imported)");
    }
    if (in.bad()) return Status::io_error(fmt::format("{}: read failed", options.source_name));
    *out = part.views();
    return Status::ok_status();
  };
  AppendOptions append_options;
  append_options.validated = true;  // by the decoder
  AppendResult r;
  if (const Status s = store->append_all(next, &r, append_options); !s.ok()) {
    if (report->invalid > 0 && !options.skip_invalid) return s;  // says so already
    return s.with_context(fmt::format("{}: nothing was imported", options.source_name));
  }
  report->imported = r.appended;
  report->duplicates = r.duplicates;
  for (size_t k = 0; k < r.conflicts.size(); ++k) {
    report->conflicts.push_back(
        fmt::format("{}:{}: event_id {:?} is stored already with other content; the stored event was kept",
                    options.source_name, line_of[r.conflicts[k]], r.conflict_ids[k]));
  }
  return Status::ok_status();
}

}  // namespace streamll

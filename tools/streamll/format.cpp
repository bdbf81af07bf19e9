#include "format.hpp"

#include <fmt/format.h>

#include "streamll/timestamp.hpp"

namespace streamll::cli {

std::string format_duration(int64_t ns) {
  const double abs_ns = static_cast<double>(ns < 0 ? -ns : ns);
  const char* sign = ns < 0 ? "-" : "";
  if (ns == 0) return "0";
  if (abs_ns < 1e3) return fmt::format("{}{}ns", sign, static_cast<int64_t>(abs_ns));
  if (abs_ns < 1e6) return fmt::format("{}{:.0f}µs", sign, abs_ns / 1e3);
  if (abs_ns < 1e9) return fmt::format("{}{:.1f}ms", sign, abs_ns / 1e6);
  if (abs_ns < 60e9) return fmt::format("{}{:.2f}s", sign, abs_ns / 1e9);
  const auto seconds = static_cast<int64_t>(abs_ns / 1e9);
  if (seconds < 3600) return fmt::format("{}{}m{:02}s", sign, seconds / 60, seconds % 60);
  return fmt::format("{}{}h{:02}m", sign, seconds / 3600, seconds / 60 % 60);
}

Json summary_json(const ExecutionSummary& s) {
  Json j;
  j["execution_id"] = s.execution_id;
  j["started_at"] = format_timestamp(s.first_ts);
  j["ended_at"] = format_timestamp(s.last_ts);
  j["duration_ms"] = static_cast<double>(s.duration_ns()) / 1e6;
  j["event_count"] = s.event_count;
  j["error_count"] = s.error_count;
  return j;
}

}  // namespace streamll::cli

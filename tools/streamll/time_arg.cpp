#include "time_arg.hpp"

#include <charconv>

#include <fmt/format.h>

#include "streamll/timestamp.hpp"

namespace streamll::cli {

Status parse_time_arg(const std::string& option, const std::string& text, int64_t now, int64_t* out) {
  int64_t amount = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, amount);
  if (ec == std::errc() && ptr + 1 == end && amount >= 0) {
    int64_t unit = 0;
    switch (*ptr) {
      case 's': unit = 1'000'000'000LL; break;
      case 'm': unit = 60'000'000'000LL; break;
      case 'h': unit = 3'600'000'000'000LL; break;
      case 'd': unit = 86'400'000'000'000LL; break;
    }
    if (unit != 0 && amount < INT64_MAX / unit) {
      *out = now - amount * unit;
      return Status::ok_status();
    }
  }
  const std::string full = text.size() == 10 ? text + "T00:00:00Z" : text;
  if (Status s = parse_timestamp(full, out); !s.ok()) {
    return Status::invalid_argument(fmt::format(
        "{} {}: expected a timestamp (2025-08-24T12:40:47Z), a date (2025-08-24) or a duration "
        "before now (30s, 15m, 2h, 7d); {}", option, text, s.message()));
  }
  return Status::ok_status();
}

Status parse_time_range(const std::string& since, const std::string& until, int64_t now, TimeRange* out) {
  *out = TimeRange{};
  if (!since.empty()) {
    if (Status s = parse_time_arg("--since", since, now, &out->since); !s.ok()) return s;
  }
  if (!until.empty()) return parse_time_arg("--until", until, now, &out->until);
  return Status::ok_status();
}

}  // namespace streamll::cli

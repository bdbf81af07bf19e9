// Fuzz target: the timestamp parser (parse_timestamp), which reads every
// timestamp of imported and ingested events and every --since/--until.
//
// Properties, checked against an independent reading of the grammar in
// timestamp.hpp that does its calendar arithmetic with std::chrono:
// parse_timestamp accepts exactly what that reading accepts (a valid date and
// time with a zone, within the int64 range of ns) and gives the same instant;
// a rejection is InvalidArgument and leaves *out alone; a parsed instant
// formats to text that parses to the same instant. And, taking the first 8
// input bytes as an int64: every ns formats as std::chrono's calendar says,
// and the text parses back to it.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"
#include "streamll/timestamp.hpp"

using namespace streamll;

namespace {

constexpr int64_t kNs = 1'000'000'000;

bool digits(std::string_view t, size_t pos, size_t n, int* v) {
  if (pos + n > t.size()) return false;
  *v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (t[i] < '0' || t[i] > '9') return false;
    *v = *v * 10 + (t[i] - '0');
  }
  return true;
}

// Days since 1970-01-01 of a date, or nothing when it is not a date.
std::optional<int64_t> days_of(int y, int m, int d) {
  const std::chrono::year_month_day ymd{std::chrono::year{y}, std::chrono::month{static_cast<unsigned>(m)},
                                        std::chrono::day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return std::nullopt;
  return std::chrono::sys_days{ymd}.time_since_epoch().count();
}

// The instant `t` denotes, per timestamp.hpp, or nothing.
std::optional<int64_t> reference_parse(std::string_view t) {
  int y, mo, d, h, mi, s;
  if (!digits(t, 0, 4, &y) || t.size() < 5 || t[4] != '-' || !digits(t, 5, 2, &mo) || t.size() < 8 ||
      t[7] != '-' || !digits(t, 8, 2, &d) || t.size() < 11 ||
      (t[10] != 'T' && t[10] != 't' && t[10] != ' ') || !digits(t, 11, 2, &h) || t.size() < 14 ||
      t[13] != ':' || !digits(t, 14, 2, &mi) || t.size() < 17 || t[16] != ':' || !digits(t, 17, 2, &s)) {
    return std::nullopt;
  }
  size_t pos = 19;
  int64_t frac = 0;
  if (pos < t.size() && (t[pos] == '.' || t[pos] == ',')) {
    ++pos;
    size_t n = 0;
    while (pos + n < t.size() && t[pos + n] >= '0' && t[pos + n] <= '9') ++n;
    if (n == 0 || n > 9) return std::nullopt;
    for (size_t i = 0; i < 9; ++i) frac = frac * 10 + (i < n ? t[pos + i] - '0' : 0);
    pos += n;
  }
  int64_t offset = 0;
  if (pos < t.size() && (t[pos] == 'Z' || t[pos] == 'z')) {
    ++pos;
  } else if (pos < t.size() && (t[pos] == '+' || t[pos] == '-')) {
    const int sign = t[pos] == '-' ? -1 : 1;
    int oh, om;
    if (!digits(t, pos + 1, 2, &oh)) return std::nullopt;
    pos += 3;
    if (pos < t.size() && t[pos] == ':') ++pos;
    if (!digits(t, pos, 2, &om) || oh > 23 || om > 59) return std::nullopt;
    pos += 2;
    offset = sign * (oh * 3600 + om * 60);
  } else {
    return std::nullopt;
  }
  if (pos != t.size() || h > 23 || mi > 59 || s > 59) return std::nullopt;
  const auto days = days_of(y, mo, d);
  if (!days) return std::nullopt;
  const __int128 ns = (static_cast<__int128>(*days) * 86400 + h * 3600 + mi * 60 + s - offset) * kNs + frac;
  if (ns > INT64_MAX || ns < INT64_MIN) return std::nullopt;
  return static_cast<int64_t>(ns);
}

// RFC 3339 text of `ns` from std::chrono's calendar.
std::string reference_format(int64_t ns) {
  const __int128 wide = ns;
  __int128 secs = wide / kNs;
  int64_t frac = static_cast<int64_t>(wide % kNs);
  if (frac < 0) {
    frac += kNs;
    --secs;
  }
  __int128 days = secs / 86400;
  int64_t sod = static_cast<int64_t>(secs % 86400);
  if (sod < 0) {
    sod += 86400;
    --days;
  }
  const std::chrono::year_month_day ymd{std::chrono::sys_days{std::chrono::days{static_cast<int64_t>(days)}}};
  char buf[64];
  if (frac % 1000 == 0) {
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d.%06dZ", static_cast<int>(ymd.year()),
                  static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                  static_cast<int>(sod / 3600), static_cast<int>(sod / 60 % 60), static_cast<int>(sod % 60),
                  static_cast<int>(frac / 1000));
  } else {
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d.%09dZ", static_cast<int>(ymd.year()),
                  static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                  static_cast<int>(sod / 3600), static_cast<int>(sod / 60 % 60), static_cast<int>(sod % 60),
                  static_cast<int>(frac));
  }
  return buf;
}

void check_format(int64_t ns) {
  const std::string text = format_timestamp(ns);
  FUZZ_CHECK(text == reference_format(ns));
  std::string appended = "x";
  append_timestamp(ns, &appended);
  FUZZ_CHECK(appended == "x" + text);
  int64_t back = 0;
  const Status s = parse_timestamp(text, &back);
  if (!s.ok()) std::fprintf(stderr, "%lld -> %s -> %s\n", static_cast<long long>(ns), text.c_str(), s.to_string().c_str());
  FUZZ_CHECK(s.ok());
  FUZZ_CHECK(back == ns);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  constexpr int64_t kUntouched = 0x5EED;
  int64_t ns = kUntouched;
  const Status s = parse_timestamp(text, &ns);
  const std::optional<int64_t> expected = reference_parse(text);
  if (s.ok() != expected.has_value()) {
    std::fprintf(stderr, "parse_timestamp: %s, reference: %s\n", s.to_string().c_str(),
                 expected ? std::to_string(*expected).c_str() : "rejects");
  }
  FUZZ_CHECK(s.ok() == expected.has_value());
  if (s.ok()) {
    FUZZ_CHECK(ns == *expected);
    check_format(ns);
  } else {
    FUZZ_CHECK(s.is_invalid_argument());
    FUZZ_CHECK(s.message().starts_with("invalid timestamp"));
    FUZZ_CHECK(ns == kUntouched);
  }

  if (size >= 8) {
    int64_t any;
    std::memcpy(&any, data, 8);
    check_format(any);
  }
  return 0;
}

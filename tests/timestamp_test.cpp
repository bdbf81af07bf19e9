#include "streamll/timestamp.hpp"

#include <catch2/catch.hpp>

using streamll::format_timestamp;
using streamll::parse_timestamp;

namespace {

int64_t parse_ok(const std::string& text) {
  int64_t ns = 0;
  const auto s = parse_timestamp(text, &ns);
  INFO(text << " -> " << s.to_string());
  REQUIRE(s.ok());
  return ns;
}

constexpr int64_t kUpstreamExample = 1756039247591526000;  // 2025-08-24T12:40:47.591526Z

}  // namespace

TEST_CASE("timestamps format as RFC 3339 with microseconds and Z", "[timestamp]") {
  CHECK(format_timestamp(0) == "1970-01-01T00:00:00.000000Z");
  CHECK(format_timestamp(kUpstreamExample) == "2025-08-24T12:40:47.591526Z");
  CHECK(format_timestamp(kUpstreamExample + 7) == "2025-08-24T12:40:47.591526007Z");
  CHECK(format_timestamp(-1000) == "1969-12-31T23:59:59.999999Z");
  CHECK(format_timestamp(951782400'000000000) == "2000-02-29T00:00:00.000000Z");
}

TEST_CASE("every timestamp form upstream has written parses to the same instant", "[timestamp]") {
  CHECK(parse_ok("2025-08-24T12:40:47.591526Z") == kUpstreamExample);
  CHECK(parse_ok("2025-08-24 12:40:47.591526+00:00") == kUpstreamExample);
  CHECK(parse_ok("2025-08-24t12:40:47.591526z") == kUpstreamExample);
  CHECK(parse_ok("2025-08-24T14:40:47.591526+02:00") == kUpstreamExample);
  CHECK(parse_ok("2025-08-24T07:10:47.591526-05:30") == kUpstreamExample);
  CHECK(parse_ok("2025-08-24T14:40:47.591526+0200") == kUpstreamExample);
  CHECK(parse_ok("2025-09-17 16:22:32.137000+00:00") == parse_ok("2025-09-17T16:22:32.137Z"));
}

TEST_CASE("fraction digits from 0 to 9 are read exactly", "[timestamp]") {
  const int64_t base = parse_ok("2025-01-02T03:04:05Z");
  CHECK(parse_ok("2025-01-02T03:04:05.1Z") == base + 100000000);
  CHECK(parse_ok("2025-01-02T03:04:05.12Z") == base + 120000000);
  CHECK(parse_ok("2025-01-02T03:04:05.123456Z") == base + 123456000);
  CHECK(parse_ok("2025-01-02T03:04:05.123456789Z") == base + 123456789);
}

TEST_CASE("format then parse is the identity over the representable range", "[timestamp]") {
  std::mt19937_64 rng(42);
  for (int i = 0; i < 20000; ++i) {
    int64_t ns = static_cast<int64_t>(rng());
    if (ns > 9'200'000'000'000'000'000 || ns < -9'200'000'000'000'000'000) continue;
    if (i % 2 == 0) ns -= ns % 1000;  // the microsecond form too
    CHECK(parse_ok(format_timestamp(ns)) == ns);
  }
}

TEST_CASE("bad timestamps are rejected with the reason", "[timestamp]") {
  const std::pair<const char*, const char*> cases[] = {
      {"", "date"},
      {"2025-08-24", "'T'"},
      {"2025-08-24T12:40:47", "time zone"},
      {"2025-08-24T12:40:47.591526", "time zone"},
      {"2025-13-01T00:00:00Z", "month"},
      {"2025-02-29T00:00:00Z", "day"},
      {"2024-02-30T00:00:00Z", "day"},
      {"2025-08-24T24:00:00Z", "time of day"},
      {"2025-08-24T12:60:00Z", "time of day"},
      {"2025-08-24T12:40:47.Z", "digits"},
      {"2025-08-24T12:40:47.1234567891Z", "9 fraction"},
      {"2025-08-24T12:40:47Z junk", "after the time zone"},
      {"2025-08-24T12:40:47+25:00", "offset"},
      {"1500-01-01T00:00:00Z", "range"},
      {"yesterday", "date"},
  };
  for (const auto& [text, why] : cases) {
    int64_t ns = 123;
    const auto s = parse_timestamp(text, &ns);
    INFO(text << " -> " << s.to_string());
    CHECK(s.is_invalid_argument());
    CHECK(s.message().find(why) != std::string::npos);
    CHECK(ns == 123);
  }
}

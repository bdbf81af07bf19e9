// Timestamps: int64 nanoseconds since the Unix epoch, UTC.
//
// The text form written by streamll is RFC 3339 with microseconds and 'Z'
// ("2025-08-24T12:40:47.591526Z"), as upstream Python streamll writes it; a
// timestamp that carries sub-microsecond precision is written with nine
// fraction digits so that nothing is lost on a round trip.
//
// All functions are pure and thread-safe; none allocates except the one that
// returns a std::string.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "streamll/status.hpp"

namespace streamll {

// The wall clock now, in ns since the epoch. Cost: one clock_gettime (~20 ns).
int64_t now_ns();

// The current time for a new event: now_ns() truncated to whole microseconds,
// the precision of upstream's Python datetime, so that every timestamp
// streamll creates is written in the 6-digit form all upstream readers accept.
int64_t event_now();

// later - earlier for later >= earlier, exact over the whole int64 range
// (the span from 1677 to 2262 does not fit an int64_t).
inline uint64_t span_ns(int64_t earlier, int64_t later) {
  return static_cast<uint64_t>(later) - static_cast<uint64_t>(earlier);
}

// Formats `ns` as RFC 3339 UTC: 6 fraction digits, or 9 when ns % 1000 != 0.
// Valid for the whole int64 range (years 1677 to 2262).
std::string format_timestamp(int64_t ns);

// Appends the same text to `out` without a temporary string.
void append_timestamp(int64_t ns, std::string* out);

// Parses the forms upstream has written and common variants:
//   2025-08-24T12:40:47.591526Z          RFC 3339 ('T', 't' or ' ' separator)
//   2025-09-17 16:22:32.137000+00:00     Python str(datetime)
//   2025-09-17T18:22:32+02:00            any UTC offset, 0 to 9 fraction digits
// A timestamp without a zone designator is rejected (upstream's are aware).
// On failure returns InvalidArgument saying what is wrong, *out unchanged.
Status parse_timestamp(std::string_view text, int64_t* out);

}  // namespace streamll

// Parsing of --since / --until arguments.
#pragma once

#include <cstdint>
#include <string>

#include "streamll/status.hpp"
#include "streamll/store.hpp"

namespace streamll::cli {

// Accepts an RFC 3339 timestamp (any form parse_timestamp reads), a date
// YYYY-MM-DD (midnight UTC), or a duration before now: 30s, 15m, 2h, 7d.
Status parse_time_arg(const std::string& option, const std::string& text, int64_t now, int64_t* out);

// The --since and --until options as a range; an empty one leaves its end open.
Status parse_time_range(const std::string& since, const std::string& until, int64_t now, TimeRange* out);

}  // namespace streamll::cli

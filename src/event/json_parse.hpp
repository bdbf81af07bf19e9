// JSON text to a Json tree, for the readers of stored data (to_event, the
// dashboard's API, Python's Store) and every other parse the library makes.
#pragma once

#include <string_view>

#include "streamll/event.hpp"
#include "streamll/status.hpp"

namespace streamll::detail {

// Parses `text` (one JSON value, nothing after it but whitespace) into *out,
// as Json::parse does (a key given twice keeps its first place and its last
// value), except that an integer beyond 64 bits keeps its digits as a big
// integer (big_integer.hpp) where Json::parse rounds it to a double, and
// that it appends object members without searching the
// ones before: linear in an object's size, where Json::parse searches every
// member it has read (ordered_map), quadratic in it (10 s for an object of
// 100,000 keys). Returns InvalidArgument with nlohmann's message on a syntax
// error, *out then a discarded value (is_discarded(), as from
// Json::parse(text, nullptr, false)). Cost: one pass and the tree's allocations; a
// hash set of the keys of each object beyond a few dozen.
Status parse_json(std::string_view text, Json* out);

}  // namespace streamll::detail

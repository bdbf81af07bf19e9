// Low-level JSON text writers shared by the JSON codec and the record codec.
#pragma once

#include <map>
#include <string>
#include <string_view>

namespace streamll::detail {

// Appends `s` as a JSON string literal (quotes included). Control characters
// are escaped; bytes that are not valid UTF-8 become U+FFFD, so the output is
// always valid JSON.
void append_json_string(std::string_view s, std::string* out);

// Appends a JSON object of string values, keys in map order.
void append_tags_json(const std::map<std::string, std::string>& tags, std::string* out);

}  // namespace streamll::detail

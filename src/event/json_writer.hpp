// Low-level JSON text writers shared by the JSON codec and the record codec.
#pragma once

#include <cstdint>
#include <cstring>
#include <map>
#include <string>
#include <string_view>

#include "streamll/event.hpp"

namespace streamll::detail {

// Appends `s` as a JSON string literal (quotes included). Control characters
// are escaped; bytes that are not valid UTF-8 become U+FFFD, so the output is
// always valid JSON.
void append_json_string(std::string_view s, std::string* out);

// Appends `value` as compact JSON text, byte for byte what
// value.dump(-1, ' ', false, error_handler_t::replace) gives (keys in their
// order, nlohmann's number formatting, U+FFFD for bytes that are not UTF-8),
// without building the text in a temporary string first: about twice as
// fast. Recursive: callers bound the depth (validate_event allows 999).
void append_json(const Json& value, std::string* out);

// Appends `x` as nlohmann's dump writes a double (shortest round trip, ".0"
// kept on integral values, null for NaN and infinities).
void append_json_double(double x, std::string* out);

// Appends a JSON object of string values, keys in map order.
void append_tags_json(const std::map<std::string, std::string>& tags, std::string* out);

// True when every byte of `s` is ASCII. Cost: a few instructions per 8 bytes
// (overlapping loads, no loop over single bytes beyond 3).
inline bool is_ascii(std::string_view s) {
  const char* p = s.data();
  const size_t n = s.size();
  uint64_t acc = 0;
  if (n >= 8) {
    for (size_t i = 0; i + 8 <= n; i += 8) {
      uint64_t w;
      std::memcpy(&w, p + i, 8);
      acc |= w;
    }
    uint64_t tail;
    std::memcpy(&tail, p + n - 8, 8);
    acc |= tail;
  } else if (n >= 4) {
    uint32_t head, tail;
    std::memcpy(&head, p, 4);
    std::memcpy(&tail, p + n - 4, 4);
    acc = head | tail;
  } else {
    for (size_t i = 0; i < n; ++i) acc |= static_cast<unsigned char>(p[i]);
  }
  return (acc & 0x8080808080808080ULL) == 0;
}

// invalid_utf8_at() for text that is not all ASCII.
size_t invalid_utf8_at_slow(std::string_view s);

// The offset of the first byte of `s` that does not begin a valid UTF-8
// sequence (overlong forms, surrogates, and code points above U+10FFFF are
// invalid), or std::string_view::npos when `s` is valid UTF-8. Cost: ASCII
// text as is_ascii(), else one pass.
inline size_t invalid_utf8_at(std::string_view s) {
  return is_ascii(s) ? std::string_view::npos : invalid_utf8_at_slow(s);
}

// `s` made fit for an error message: bytes that are not valid UTF-8 become
// U+FFFD, and text longer than `max_bytes` is cut at a character boundary
// and ends with "…(N bytes)", so a message quoting a 10 MB value stays short.
std::string excerpt(std::string_view s, size_t max_bytes = 64);

}  // namespace streamll::detail

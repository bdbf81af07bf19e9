// Fixed-width and variable-length integer encodings used by the on-disk
// formats (doc/format.md).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace streamll::detail {

// 8 bytes little-endian.
inline void put_fixed64(uint64_t v, std::string* out) {
  char buf[8];
  for (int i = 0; i < 8; ++i) buf[i] = static_cast<char>(v >> (8 * i));
  out->append(buf, 8);
}
inline uint64_t get_fixed64(std::string_view in) {  // in.size() >= 8
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(in[i]);
  return v;
}

// 8 bytes big-endian, so that byte order is numeric order (keys).
inline void put_be64(uint64_t v, std::string* out) {
  char buf[8];
  for (int i = 0; i < 8; ++i) buf[i] = static_cast<char>(v >> (56 - 8 * i));
  out->append(buf, 8);
}
inline uint64_t get_be64(std::string_view in) {  // in.size() >= 8
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(in[i]);
  return v;
}

// The first 8 bytes of a key as a big-endian number, zeros after a shorter
// key: a smaller number is a smaller key in byte order, and equal numbers
// leave the order to the rest of the keys. Sorting by it first compares
// most pairs of keys as one integer.
inline uint64_t order_prefix(std::string_view key) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8; ++i) v = (v << 8) | (i < key.size() ? static_cast<unsigned char>(key[i]) : 0);
  return v;
}

// LEB128: 7 bits a byte, low bits first, high bit set on all but the last.
inline void put_varint(uint64_t v, std::string* out) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

// A varint length, then the bytes.
inline void put_bytes(std::string_view s, std::string* out) {
  put_varint(s.size(), out);
  out->append(s);
}

}  // namespace streamll::detail

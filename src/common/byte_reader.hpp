// A bounds-checked reader of the encodings in coding.hpp, for decoding
// values read from disk: every read checks the length left, and the first
// failure sticks and names its field, so that corruption is reported as
// "<what> field 'x': truncated" instead of being read past.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "common/coding.hpp"

namespace streamll::detail {

class ByteReader {
 public:
  // `what` names the value in error messages ("record", "type summary").
  ByteReader(std::string_view in, const char* what) : in_(in), what_(what) {}

  bool fixed64(const char* field, uint64_t* v) {
    if (!need(field, 8)) return false;
    *v = get_fixed64(in_.substr(pos_, 8));
    pos_ += 8;
    return true;
  }

  bool byte(const char* field, unsigned char* v) {
    if (!need(field, 1)) return false;
    *v = static_cast<unsigned char>(in_[pos_++]);
    return true;
  }

  bool varint(const char* field, uint64_t* v) {
    *v = 0;
    for (int shift = 0;; shift += 7) {
      unsigned char b;
      if (shift > 63 || !byte(field, &b)) return fail(field, "bad length");
      *v |= static_cast<uint64_t>(b & 0x7F) << shift;
      if (!(b & 0x80)) return true;
    }
  }

  // A varint length, then that many bytes (a view into the input).
  bool bytes(const char* field, std::string_view* v) {
    uint64_t len = 0;
    if (!varint(field, &len) || !need(field, len)) return false;
    *v = in_.substr(pos_, len);
    pos_ += len;
    return true;
  }

  bool at_end() const { return pos_ == in_.size(); }
  const std::string& error() const { return error_; }
  // Out of line: the reads above stay small enough to inline.
  [[gnu::cold, gnu::noinline]] bool fail(const char* field, const char* why) {
    if (error_.empty()) error_ = fmt::format("{} field '{}': {}", what_, field, why);
    return false;
  }

 private:
  bool need(const char* field, uint64_t n) {
    if (n > in_.size() - pos_) return fail(field, "truncated");
    return true;
  }

  std::string_view in_;
  const char* what_;
  size_t pos_ = 0;
  std::string error_;
};

}  // namespace streamll::detail

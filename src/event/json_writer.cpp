#include "event/json_writer.hpp"

#include <charconv>
#include <cmath>

#include <fmt/format.h>

#include "streamll/big_integer.hpp"

namespace streamll::detail {

namespace {

// The UTF-8 sequence starting at s[i] (a byte >= 0x80): `valid` with its
// length, or invalid (overlong forms, surrogates, code points above
// U+10FFFF, a cut or broken sequence) with the number of bytes one
// replacement character stands for: a byte that cannot start a sequence is
// one; otherwise the lead and the continuation bytes that fit it, up to the
// first that does not (which starts anew) or the end of `s`. nlohmann's dump
// with error_handler_t::replace counts the same way, so text reads the same
// through either writer.
struct Utf8Sequence {
  size_t length;
  bool valid;
};

Utf8Sequence utf8_sequence(std::string_view s, size_t i) {
  const unsigned char c = static_cast<unsigned char>(s[i]);
  unsigned char lo = 0x80, hi = 0xBF;
  size_t len;
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    return {1, false};
  }
  for (size_t k = 1; k < len; ++k) {
    if (i + k >= s.size()) return {k, false};
    const unsigned char b = static_cast<unsigned char>(s[i + k]);
    if (b < (k == 1 ? lo : 0x80) || b > (k == 1 ? hi : 0xBF)) return {k, false};
  }
  return {len, true};
}

}  // namespace

void append_json_string(std::string_view s, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out->push_back('"');
  const size_t n = s.size();
  size_t i = 0;
  while (i < n) {
    // Copy a run of bytes that need no escaping in one append.
    size_t run = i;
    while (run < n) {
      const unsigned char c = static_cast<unsigned char>(s[run]);
      if (c < 0x20 || c == '"' || c == '\\' || c >= 0x80) break;
      ++run;
    }
    if (run > i) {
      out->append(s.data() + i, run - i);
      i = run;
      if (i == n) break;
    }
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      const Utf8Sequence seq = utf8_sequence(s, i);
      if (seq.valid) {
        out->append(s.data() + i, seq.length);
      } else {
        out->append("\xEF\xBF\xBD");
      }
      i += seq.length;
      continue;
    }
    switch (c) {
      case '"': out->append("\\\""); break;
      case '\\': out->append("\\\\"); break;
      case '\n': out->append("\\n"); break;
      case '\r': out->append("\\r"); break;
      case '\t': out->append("\\t"); break;
      case '\b': out->append("\\b"); break;
      case '\f': out->append("\\f"); break;
      default:
        out->append("\\u00");
        out->push_back(kHex[c >> 4]);
        out->push_back(kHex[c & 15]);
    }
    ++i;
  }
  out->push_back('"');
}

size_t invalid_utf8_at_slow(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    if (static_cast<unsigned char>(s[i]) < 0x80) {
      ++i;
      continue;
    }
    const Utf8Sequence seq = utf8_sequence(s, i);
    if (!seq.valid) return i;
    i += seq.length;
  }
  return std::string_view::npos;
}

std::string excerpt(std::string_view s, size_t max_bytes) {
  std::string out;
  size_t i = 0;
  while (i < s.size() && out.size() < max_bytes) {
    const Utf8Sequence seq =
        static_cast<unsigned char>(s[i]) < 0x80 ? Utf8Sequence{1, true} : utf8_sequence(s, i);
    if (seq.valid) {
      out.append(s.substr(i, seq.length));
    } else {
      out.append("\xEF\xBF\xBD");
    }
    i += seq.length;
  }
  if (i < s.size()) out += fmt::format("\u2026({} bytes)", s.size());
  return out;
}

void append_tags_json(const std::map<std::string, std::string>& tags, std::string* out) {
  out->push_back('{');
  bool first = true;
  for (const auto& [key, value] : tags) {
    if (!first) out->push_back(',');
    first = false;
    append_json_string(key, out);
    out->push_back(':');
    append_json_string(value, out);
  }
  out->push_back('}');
}

void append_json_double(double x, std::string* out) {
  if (!std::isfinite(x)) {
    out->append("null");  // as nlohmann's dump: JSON has no NaN or infinity
    return;
  }
  // nlohmann's own shortest round-trip formatting (Grisu2, ".0" kept on
  // integral values), so that numbers read back the same text.
  char buf[64];
  char* end = nlohmann::detail::to_chars(buf, buf + sizeof buf, x);
  out->append(buf, end);
}

void append_json(const Json& value, std::string* out) {
  switch (value.type()) {
    case Json::value_t::object: {
      out->push_back('{');
      bool first = true;
      for (const auto& [key, item] : value.get_ref<const Json::object_t&>()) {
        if (!first) out->push_back(',');
        first = false;
        append_json_string(key, out);
        out->push_back(':');
        append_json(item, out);
      }
      out->push_back('}');
      return;
    }
    case Json::value_t::array: {
      out->push_back('[');
      bool first = true;
      for (const Json& item : value.get_ref<const Json::array_t&>()) {
        if (!first) out->push_back(',');
        first = false;
        append_json(item, out);
      }
      out->push_back(']');
      return;
    }
    case Json::value_t::string:
      append_json_string(value.get_ref<const std::string&>(), out);
      return;
    case Json::value_t::boolean:
      out->append(value.get<bool>() ? "true" : "false");
      return;
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned: {
      char buf[24];
      const auto r = value.is_number_unsigned() ? std::to_chars(buf, buf + sizeof buf, value.get<uint64_t>())
                                                : std::to_chars(buf, buf + sizeof buf, value.get<int64_t>());
      out->append(buf, r.ptr);
      return;
    }
    case Json::value_t::number_float:
      append_json_double(value.get<double>(), out);
      return;
    case Json::value_t::null:
    case Json::value_t::discarded:
      out->append("null");
      return;
    case Json::value_t::binary:
      if (const auto digits = big_integer_digits(value)) {
        out->append(*digits);
      } else {  // refused by validate_event; written as nlohmann does
        out->append(value.dump(-1, ' ', false, Json::error_handler_t::replace));
      }
      return;
  }
}

}  // namespace streamll::detail

#include "size_arg.hpp"

#include <cctype>
#include <charconv>

#include <fmt/format.h>

namespace streamll::cli {

Status parse_size_arg(const std::string& option, const std::string& text, uint64_t* out) {
  const auto bad = [&] {
    return Status::invalid_argument(
        fmt::format("{}: '{}' is not a size (a whole number of bytes, or with a unit: 512M, 10G, 2T)", option, text));
  };
  uint64_t n = 0;
  const char* end = text.data() + text.size();
  const auto [p, err] = std::from_chars(text.data(), end, n);
  if (err != std::errc() || p == text.data()) return bad();
  std::string unit(p, end);
  for (char& c : unit) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (unit.ends_with("IB")) {
    unit.resize(unit.size() - 2);
  } else if (unit.size() > 1 && unit.ends_with("B")) {
    unit.pop_back();
  } else if (unit == "B") {
    unit.clear();
  }
  int shift = 0;
  if (unit.empty()) {
    shift = 0;
  } else if (unit == "K") {
    shift = 10;
  } else if (unit == "M") {
    shift = 20;
  } else if (unit == "G") {
    shift = 30;
  } else if (unit == "T") {
    shift = 40;
  } else {
    return bad();
  }
  if (shift > 0 && n > (UINT64_MAX >> shift)) return bad();
  *out = n << shift;
  return Status::ok_status();
}

}  // namespace streamll::cli

#include "streamll/big_integer.hpp"

#include <charconv>

#include <fmt/format.h>

#include "event/json_writer.hpp"

namespace streamll {

Status json_integer(std::string_view digits, Json* out) {
  const bool negative = !digits.empty() && digits.front() == '-';
  const std::string_view magnitude = digits.substr(negative ? 1 : 0);
  const bool well_formed = !magnitude.empty() && magnitude.find_first_not_of("0123456789") == std::string_view::npos &&
                           (magnitude.size() == 1 || magnitude.front() != '0');
  if (!well_formed) {
    return Status::invalid_argument(
        fmt::format("{:?} is not an integer (an optional '-', then decimal digits without a leading zero)",
                    detail::excerpt(digits)));
  }
  const char* end = digits.data() + digits.size();
  if (negative) {
    int64_t v = 0;
    if (const auto r = std::from_chars(digits.data(), end, v); r.ec == std::errc() && r.ptr == end) {
      *out = v;
      return Status::ok_status();
    }
  } else {
    uint64_t v = 0;
    if (const auto r = std::from_chars(digits.data(), end, v); r.ec == std::errc() && r.ptr == end) {
      if (v <= static_cast<uint64_t>(INT64_MAX)) {
        *out = static_cast<int64_t>(v);
      } else {
        *out = v;
      }
      return Status::ok_status();
    }
  }
  *out = Json::binary(Json::binary_t::container_type(digits.begin(), digits.end()), kBigIntegerSubtype);
  return Status::ok_status();
}

std::optional<std::string_view> big_integer_digits(const Json& value) {
  if (!value.is_binary()) return std::nullopt;
  const Json::binary_t& b = value.get_binary();
  if (!b.has_subtype() || b.subtype() != kBigIntegerSubtype) return std::nullopt;
  return std::string_view(reinterpret_cast<const char*>(b.data()), b.size());
}

}  // namespace streamll

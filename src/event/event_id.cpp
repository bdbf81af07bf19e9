#include "common/random.hpp"
#include "streamll/event.hpp"

namespace streamll {

std::string generate_event_id() {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
  // 12 characters of 6 bits each: 60 bits from one draw, 12 from a second.
  uint64_t bits = detail::random_u64();
  const uint64_t more = detail::random_u64();
  std::string id(12, '\0');
  for (int i = 0; i < 10; ++i) {
    id[i] = kAlphabet[bits & 63];
    bits >>= 6;
  }
  id[10] = kAlphabet[more & 63];
  id[11] = kAlphabet[(more >> 6) & 63];
  return id;
}

}  // namespace streamll

#include "common/random.hpp"

#include <sys/random.h>

#include <chrono>
#include <thread>

namespace streamll::detail {

namespace {

uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t splitmix64(uint64_t* state) {
  uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

struct Xoshiro256 {
  uint64_t s[4];

  Xoshiro256() {
    uint64_t seed[4] = {};
    if (getrandom(seed, sizeof(seed), 0) != static_cast<ssize_t>(sizeof(seed))) {
      // No OS entropy (very old kernel, seccomp): mix time and thread identity.
      uint64_t mix = static_cast<uint64_t>(
                         std::chrono::steady_clock::now().time_since_epoch().count()) ^
                     std::hash<std::thread::id>{}(std::this_thread::get_id());
      for (auto& word : seed) word ^= splitmix64(&mix);
    }
    // Run the seed through splitmix so that an all-zero seed cannot occur.
    for (int i = 0; i < 4; ++i) s[i] = splitmix64(&seed[i]);
  }

  uint64_t next() {
    const uint64_t result = rotl(s[1] * 5, 7) * 9;
    const uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
  }
};

}  // namespace

uint64_t random_u64() {
  thread_local Xoshiro256 generator;
  return generator.next();
}

}  // namespace streamll::detail

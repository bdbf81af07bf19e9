// A per-thread pseudo-random generator (xoshiro256**), seeded from the OS.
// No locks, no system call after the first use on a thread.
#pragma once

#include <cstdint>

namespace streamll::detail {

// The next 64 random bits of this thread's generator. Cost: ~1 ns.
uint64_t random_u64();

}  // namespace streamll::detail

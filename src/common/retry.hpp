// Pacing retries of a failing remote call (Redis down, a timeout): an
// exponential backoff with jitter, and a sleep that a stop flag cuts short.
// Shared by the replicator and the stream consumer.
//
// Thread-safety: both functions may be called from any thread.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <thread>

#include "common/random.hpp"

namespace streamll::detail {

// The delay before the retry that follows `failures` consecutive failures
// (0 for the first retry): min * 2^failures, at most max, scaled by a random
// factor in [0.5, 1) so that many clients do not retry in step.
inline std::chrono::steady_clock::duration backoff_delay(int failures, std::chrono::milliseconds min,
                                                         std::chrono::milliseconds max) {
  const double base = static_cast<double>(min.count()) * std::pow(2.0, std::clamp(failures, 0, 20));
  const double capped = std::min(base, static_cast<double>(max.count()));
  const double unit = static_cast<double>(random_u64() >> 11) * 0x1.0p-53;  // [0, 1)
  return std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      std::chrono::duration<double, std::milli>(capped * (0.5 + 0.5 * unit)));
}

// Sleeps `d` in slices of at most 20 ms; false if `stop` was set meanwhile.
inline bool sleep_unless_stopped(const std::atomic<bool>& stop, std::chrono::steady_clock::duration d) {
  using Clock = std::chrono::steady_clock;
  const auto until = Clock::now() + d;
  while (!stop.load(std::memory_order_relaxed)) {
    const auto now = Clock::now();
    if (now >= until) return true;
    std::this_thread::sleep_for(std::min<Clock::duration>(until - now, std::chrono::milliseconds(20)));
  }
  return false;
}

}  // namespace streamll::detail

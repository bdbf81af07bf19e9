// Pacing retries of a failing remote call (Redis down, a timeout): an
// exponential backoff with jitter, a sleep that a stop flag cuts short, and
// the run loop of a client that keeps at a remote service behind a circuit
// breaker. Shared by the replicator and the stream consumer (and the backoff
// by the runtime's store recovery).
//
// Thread-safety: each function may be called from any thread; a run loop
// owns its breaker's allow()/record_*() while it runs.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <thread>

#include "common/circuit_breaker.hpp"
#include "common/random.hpp"
#include "streamll/retry_options.hpp"
#include "streamll/status.hpp"

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

// InvalidArgument naming the first setting of `retry` out of its range
// (retry_options.hpp).
inline Status check_retry(const RetryOptions& retry) {
  if (retry.backoff_min.count() <= 0 || retry.backoff_max < retry.backoff_min) {
    return Status::invalid_argument("backoff_min must be positive and at most backoff_max");
  }
  if (retry.failure_threshold <= 0) return Status::invalid_argument("failure_threshold must be at least 1");
  if (retry.recovery_timeout.count() < 0) return Status::invalid_argument("recovery_timeout must not be negative");
  return Status::ok_status();
}

// Runs `step()` until `stop` is set. While `breaker` is open no step is
// tried (it is asked again every 50 ms); a failed step is recorded with the
// breaker and tried again after backoff_delay(failures in a row,
// retry.backoff_min, retry.backoff_max);
// a failure that `fatal(status)` says no retry fixes ends the run with that
// status (ok when `stop` ended it). `told(status)` hears the first failure
// of a run of failures and the first success after one.
template <typename Step, typename Fatal, typename Told>
Status run_with_retry(const std::atomic<bool>& stop, CircuitBreaker& breaker, const RetryOptions& retry, Step step,
                      Fatal fatal, Told told) {
  using Clock = std::chrono::steady_clock;
  bool failing = false;
  int failures_in_row = 0;
  while (!stop.load(std::memory_order_relaxed)) {
    if (!breaker.allow(Clock::now())) {
      sleep_unless_stopped(stop, std::chrono::milliseconds(50));
      continue;
    }
    const Status s = step();
    if (s.ok()) {
      breaker.record_success();
      failures_in_row = 0;
      if (failing) told(s);
      failing = false;
      continue;
    }
    if (fatal(s)) return s;
    breaker.record_failure(Clock::now());
    if (!failing) told(s);
    failing = true;
    sleep_unless_stopped(stop, backoff_delay(failures_in_row++, retry.backoff_min, retry.backoff_max));
  }
  return Status::ok_status();
}

}  // namespace streamll::detail

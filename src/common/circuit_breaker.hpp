// A circuit breaker in upstream streamll's manner: after `failure_threshold`
// consecutive failures it opens and refuses calls; after `recovery_timeout`
// it lets one probe through (half-open); the probe's success closes it, its
// failure opens it again. The caller passes the time, which keeps the
// breaker deterministic under test.
//
// Thread-safety: allow() and record_*() from one thread; state() from any.
#pragma once

#include <atomic>
#include <chrono>

#include "streamll/circuit_state.hpp"

namespace streamll::detail {

class CircuitBreaker {
 public:
  using Clock = std::chrono::steady_clock;

  CircuitBreaker(int failure_threshold, std::chrono::milliseconds recovery_timeout)
      : threshold_(failure_threshold < 1 ? 1 : failure_threshold), recovery_(recovery_timeout) {}

  // Whether a call may go ahead now; moves open -> half-open once the
  // recovery timeout has passed.
  bool allow(Clock::time_point now) {
    if (state_.load(std::memory_order_relaxed) != CircuitState::kOpen) return true;
    if (now - opened_at_ < recovery_) return false;
    state_.store(CircuitState::kHalfOpen, std::memory_order_relaxed);
    return true;
  }

  void record_success() {
    failures_ = 0;
    state_.store(CircuitState::kClosed, std::memory_order_relaxed);
  }

  // Returns true when this failure opened the breaker.
  bool record_failure(Clock::time_point now) {
    const bool probe_failed = state_.load(std::memory_order_relaxed) == CircuitState::kHalfOpen;
    if (probe_failed || ++failures_ >= threshold_) {
      const bool was_closed = state_.load(std::memory_order_relaxed) == CircuitState::kClosed;
      state_.store(CircuitState::kOpen, std::memory_order_relaxed);
      opened_at_ = now;
      return was_closed;
    }
    return false;
  }

  CircuitState state() const { return state_.load(std::memory_order_relaxed); }

 private:
  const int threshold_;
  const std::chrono::milliseconds recovery_;
  int failures_ = 0;
  Clock::time_point opened_at_{};
  std::atomic<CircuitState> state_{CircuitState::kClosed};
};

}  // namespace streamll::detail

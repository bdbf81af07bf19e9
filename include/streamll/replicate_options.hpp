// What a replicator is told and what it counts (replicate.hpp has the
// replicator itself). Apart, so that runtime.hpp, which carries these in its
// options and stats, does not pull the store's headers into every program
// that only emits.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

#include "streamll/circuit_state.hpp"
#include "streamll/redis_target.hpp"
#include "streamll/retry_options.hpp"

namespace streamll {

struct ReplicateOptions {
  RedisTarget redis;  // the stream, its entry field ("event" for older upstream consumers), maxlen, timeout
  size_t batch_size = 500;                       // events per transaction
  std::chrono::milliseconds poll_interval{100};  // following: how often to look for new events
  RetryOptions retry;                            // run(): backoff and breaker after a failure
};

struct ReplicateStats {
  uint64_t shipped = 0;      // events added to the stream by this replicator
  uint64_t batches = 0;      // transactions committed
  uint64_t failures = 0;     // failed attempts (connect, transaction, reply)
  uint64_t checkpoint = 0;   // last seq known to be in the stream
  uint64_t store_seq = 0;    // last seq in the store, at the last look
  CircuitState breaker = CircuitState::kClosed;
  std::string last_error;    // of the most recent failure ("" if none yet)
};

}  // namespace streamll

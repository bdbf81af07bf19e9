// RetryOptions: how a part that keeps at Redis (the Replicator, the
// RedisStreamConsumer) paces its retries after a failure, and when its
// circuit breaker opens. The breaker's state is reported in each part's
// stats (circuit_state.hpp).
//
// After a failure the part waits backoff_min, doubling with each failure in
// a row up to backoff_max, each wait scaled by a random factor in [0.5, 1)
// so that many clients do not retry in step. failure_threshold failures in a
// row open the breaker: no call is tried for recovery_timeout, then one
// probe decides whether it closes again.
//
// Thread-safety: a plain value; copy it freely. Checked once, when the part
// that takes it is created.
#pragma once

#include <chrono>

namespace streamll {

struct RetryOptions {
  std::chrono::milliseconds backoff_min{100};        // > 0
  std::chrono::milliseconds backoff_max{5'000};      // >= backoff_min
  int failure_threshold = 5;                         // > 0
  std::chrono::milliseconds recovery_timeout{5'000}; // >= 0
};

}  // namespace streamll

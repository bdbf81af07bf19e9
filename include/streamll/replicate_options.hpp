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

namespace streamll {

struct ReplicateOptions {
  std::string url = "redis://127.0.0.1:6379";  // redis://[[user]:password@]host[:port][/db]
  std::string stream = "streamll_events";
  std::string field = "message";  // older upstream consumers read "event"
  size_t maxlen = 0;              // > 0: trim the stream to about this many entries (MAXLEN ~)
  size_t batch_size = 500;        // events per script call (one round trip)
  std::chrono::milliseconds timeout{2000};          // connect, and each reply
  std::chrono::milliseconds poll_interval{100};     // following: how often to look for new events
  std::chrono::milliseconds backoff_min{100};       // first retry delay; doubles per failure,
  std::chrono::milliseconds backoff_max{5000};      // up to this, each scaled by a random 0.5-1
  int failure_threshold = 5;                        // consecutive failures that open the breaker
  std::chrono::milliseconds recovery_timeout{5000}; // open -> one probe
};

struct ReplicateStats {
  uint64_t shipped = 0;      // events added to the stream by this replicator
  uint64_t batches = 0;      // script calls that succeeded
  uint64_t failures = 0;     // failed attempts (connect, script, reply)
  uint64_t checkpoint = 0;   // last seq known to be in the stream
  uint64_t store_seq = 0;    // last seq in the store, at the last look
  CircuitState breaker = CircuitState::kClosed;
  std::string last_error;    // of the most recent failure ("" if none yet)
};

}  // namespace streamll

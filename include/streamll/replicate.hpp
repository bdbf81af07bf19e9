// Replication of a store's log to a Redis stream, in upstream streamll's
// wire format: one entry per event, `XADD <stream> [MAXLEN ~ N] * message
// <event JSON>`, so that upstream's consumers (and RedisStreamConsumer) read
// it unchanged.
//
// Exactly once: the replicator reads the log in arrival order (seq) and
// ships each batch with one Lua script that, atomically in Redis, checks the
// checkpoint, adds the entries and advances the checkpoint (key
// `streamll:checkpoint:{<stream>}:<store id>`, holding the last seq
// shipped). A batch is therefore in Redis with its checkpoint or not at all:
// a replicator killed at any moment resumes from the checkpoint without a
// gap or a duplicate; a Redis restart that loses its last writes (weaker
// persistence) loses the checkpoint with them, and they are shipped again.
// Two replicators of one store and stream cannot both ship a batch: the
// checkpoint check makes the slower one resume after the faster.
//
// Failures (Redis down, timeouts, refused auth) never reach the store or the
// application: the replicator retries with exponential backoff and jitter
// behind a circuit breaker, counts them, and catches up when Redis returns.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "streamll/circuit_state.hpp"
#include "streamll/status.hpp"
#include "streamll/store.hpp"

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

class Replicator {
 public:
  // Checks the options (URL, stream, field, batch_size) without connecting.
  // `store` (a writer or a read-only view, which the replicator refreshes)
  // must outlive the replicator.
  static Status create(Store* store, ReplicateOptions options, std::unique_ptr<Replicator>* out);
  ~Replicator();
  Replicator(const Replicator&) = delete;
  Replicator& operator=(const Replicator&) = delete;

  // Ships every event stored when the call starts (for a view: after a
  // refresh), then returns. No retry: the first failure is returned, and a
  // later call resumes from the checkpoint. Cost: one round trip per
  // batch_size events.
  Status sync();

  // Ships, then keeps shipping new events (within poll_interval) until
  // `stop` is set; retries every failure with backoff behind the breaker,
  // noticing `stop` within ~50 ms (or a reply timeout, if one is pending).
  // `on_failure`, when set, is told of each change between working and
  // failing (not of every retry), e.g. to log one line.
  void run(const std::atomic<bool>& stop, std::function<void(const Status&)> on_failure = nullptr);

  // A snapshot of the counters. Thread-safe: callable while run() runs.
  ReplicateStats stats() const;

  class Impl;

 private:
  explicit Replicator(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace streamll

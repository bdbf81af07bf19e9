// Replication of a store's log to a Redis stream, in upstream streamll's
// wire format: one entry per event, `XADD <stream> [MAXLEN ~ N] * message
// <event JSON>`, so that upstream's consumers (and RedisStreamConsumer) read
// it unchanged.
//
// Exactly once: the replicator reads the log in arrival order (seq) and
// ships each batch as one transaction (MULTI ... EXEC) that adds the entries
// and advances the checkpoint (key `streamll:checkpoint:{<stream>}:<store
// id>`, holding the last seq shipped), guarded by a WATCH of the checkpoint:
// the EXEC is sent only when the checkpoint is the one the batch expects,
// and Redis refuses it when the checkpoint changed after the WATCH. A batch
// is therefore in Redis with its checkpoint or not at all:
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

#include "streamll/replicate_options.hpp"
#include "streamll/status.hpp"
#include "streamll/store.hpp"

namespace streamll {

class Replicator {
 public:
  // Checks the options (URL, stream, field, timeout, batch_size,
  // poll_interval, retry) without connecting. The Redis user needs WATCH,
  // GET, TYPE, MULTI, XADD, SET and EXEC on the stream and checkpoint keys.
  // `store` (a writer or a read-only view, which the replicator refreshes)
  // must outlive the replicator.
  static Status create(Store* store, ReplicateOptions options, std::unique_ptr<Replicator>* out);
  ~Replicator();
  Replicator(const Replicator&) = delete;
  Replicator& operator=(const Replicator&) = delete;

  // Ships every event stored when the call starts (for a view: after a
  // refresh), then returns. No retry: the first failure is returned, and a
  // later call resumes from the checkpoint. Cost: one transaction per
  // batch_size events (Redis does the work of plain XADDs); the next batch
  // is read and sent while Redis runs the one before, so the store's reading
  // and Redis's work overlap.
  Status sync();

  // Ships, then keeps shipping new events (within poll_interval) until
  // `stop` is set, then returns ok; retries a failure that may pass (Redis
  // down, a timeout) with backoff behind the breaker, noticing `stop` within
  // ~50 ms (or a reply timeout, if one is pending). A failure no retry can
  // fix ends it, returned: PermissionDenied (authentication failed, or a
  // password is required), InvalidArgument (no such database) or Corruption
  // (the checkpoint names events this store does not hold). `on_failure`, when set, is told
  // of each change between working and failing (not of every retry), e.g.
  // to log one line.
  Status run(const std::atomic<bool>& stop, std::function<void(const Status&)> on_failure = nullptr);

  // A snapshot of the counters. Thread-safe: callable while run() runs.
  ReplicateStats stats() const;

  class Impl;

 private:
  explicit Replicator(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace streamll

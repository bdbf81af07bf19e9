// The process-wide emit runtime: a bounded in-memory queue, one writer
// thread that appends batches to the local store and hands them to sinks,
// and the counters that say what happened to every event.
//
//   streamll::Runtime runtime;                       // ./streamll.db or $STREAMLL_DB
//   streamll::emit("cache.hit", {{"key", k}});       // ~100 ns, never blocks on I/O
//
// or init(options) ... shutdown(). Emitting with no runtime is a no-op.
// Normal process exit (return from main, exit()) shuts a runtime started by
// init() down and flushes it; a Runtime object flushes when destroyed.
//
// Thread-safety: every function here may be called from any thread. At most
// one runtime is active in a process.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "streamll/circuit_state.hpp"
#include "streamll/prune.hpp"
#include "streamll/replicate_options.hpp"
#include "streamll/sink.hpp"
#include "streamll/status.hpp"

namespace streamll {

// What emit does when the queue is full.
enum class OverflowPolicy {
  kBlock,       // wait for room: nothing is lost; the caller is slowed (the default)
  kDropNewest,  // discard the event being emitted, count it
  kDropOldest,  // discard the oldest queued event to make room, count it
};

// The circuit breaker and buffer of each sink, as upstream's defaults.
struct SinkOptions {
  size_t buffer_batches = 64;  // batches queued for the sink; beyond, batches are missed
  int failure_threshold = 3;   // consecutive failures that open the breaker
  std::chrono::milliseconds recovery_timeout{30'000};  // open -> half-open (one probe batch)
};

struct RuntimeOptions {
  // The store directory; "" means $STREAMLL_DB, else ./streamll.db.
  std::string store_path;
  size_t buffer_size = 1000;  // queued events (rounded up to a power of two)
  size_t batch_size = 100;    // events per store append and sink batch
  std::chrono::milliseconds flush_interval{500};  // longest an event waits in the queue
  OverflowPolicy overflow = OverflowPolicy::kBlock;
  // false: an event is durable against a process crash once written (the
  // RocksDB WAL, no fsync). true: fsync every batch, durable against machine
  // crashes and power loss too, at the cost of one fsync per batch.
  bool sync = false;

  // Retention for a store an app writes for months: whole executions older
  // than max_age, beyond the newest keep_executions, or past max_bytes are
  // pruned by a thread of the store's own every retention.interval (see
  // StoreOptions::retention; executions holding events not yet replicated
  // are kept). Each run is written to the store's LOG. Unset (the default):
  // nothing is pruned. Costs nothing on the emit or write path; a run costs
  // what `streamll prune` does (reading the executions' summaries, deleting
  // and compacting the pruned key ranges).
  RetentionOptions retention;

  std::vector<std::shared_ptr<Sink>> sinks;
  SinkOptions sink_options;

  // Event type filters, checked at emit: patterns of type_pattern.hpp (an
  // exact type, or a prefix "rag.*" / "rag."). allow empty = allow all;
  // deny wins.
  std::vector<std::string> allow_types;
  std::vector<std::string> deny_types;
  // data keys (at any depth, case-insensitive) whose values are replaced by
  // "[REDACTED]" before the event reaches the store or any sink.
  std::vector<std::string> redact_keys = {"api_key", "apikey", "password", "secret", "authorization"};

  // Append a "streamll.stats" event with the final counters at shutdown, in
  // the execution "streamll.stats".
  bool record_stats = true;

  // When set, a replicator thread ships the store's events to a Redis stream
  // as they are stored (see replicate.hpp: exactly once, resumed from its
  // checkpoint across restarts). Redis failures are retried with backoff
  // behind a breaker and counted in stats().replication; they never slow or
  // fail emit, the store or the sinks. At shutdown, when the last attempt
  // succeeded, the remaining events are shipped (each Redis call bounded by
  // the options' timeout); otherwise the next replicator of this store ships
  // them.
  std::optional<ReplicateOptions> replicate;
};

struct SinkStats {
  std::string name;
  uint64_t delivered = 0;  // events written successfully
  uint64_t missed = 0;     // events not delivered: failed, breaker open, or buffer full
  uint64_t failures = 0;   // failed write() calls
  CircuitState state = CircuitState::kClosed;
};

struct RuntimeStats {
  uint64_t emitted = 0;         // accepted into the queue, less those found invalid
  uint64_t filtered = 0;        // rejected by allow/deny
  // Refused by the writer (validate_event: empty event_type, non-object
  // data, a NUL in an id, ...); checked there, once, so the emitting thread
  // does not pay for it. Counted when their batch is written.
  uint64_t invalid = 0;
  uint64_t dropped = 0;         // lost to the overflow policy
  uint64_t stored = 0;          // durable in the store
  uint64_t store_failures = 0;  // batches the store could not take (failed, or skipped while failing)
  uint64_t store_lost = 0;      // events in batches the store could not take
  std::vector<SinkStats> sinks;
  std::optional<ReplicateStats> replication;  // when RuntimeOptions::replicate is set
};

// Starts the process-wide runtime. Fails (and emit stays a no-op) when a
// runtime is active already or the store cannot be opened (e.g. Busy: another
// process writes it). Cost: opens the store, starts 1 + sinks threads.
Status init(RuntimeOptions options = {});

// Flushes, records the stats event, stops the threads and closes the store.
// Events emitted concurrently with shutdown are either stored or dropped
// and counted. A no-op without a runtime.
void shutdown();

// Returns once every event emitted (by any thread) before the call is durable
// in the store at the configured level, and delivered to (or counted as
// missed by) every sink; false if `timeout` passed first, no runtime runs, or
// the store could not take events (disk full, read-only, its directory
// removed: they are counted in stats().store_lost).
//
// When the store fails, the writer prints one line to stderr, counts every
// event it cannot store, keeps serving emit and the sinks at full speed, and
// retries the store with backoff (100 ms to 5 s); when it takes events
// again (space returned), one more line says how many were lost meanwhile.
bool flush(std::chrono::milliseconds timeout = std::chrono::hours(24));

// A snapshot of the counters (zeros without a runtime). Cost: a few atomics.
RuntimeStats stats();

// Replaces the running runtime's sinks (RuntimeOptions::sinks): the batches
// the writer stores from now on go to `sinks`; the old sinks deliver what
// they hold, are flushed and stopped, and their counters leave stats().
// The store and emit are not interrupted. NotSupported without a runtime.
// Cost: a thread started per new sink, the old ones joined.
Status set_sinks(std::vector<std::shared_ptr<Sink>> sinks);

// After fork(), the child does not own its parent's writer thread or store:
// a runtime active at the fork is abandoned in the child (never stopped or
// flushed there: the parent goes on writing that store), its emits are
// no-ops, and the first one says so once on stderr. The child may init() a
// runtime of its own on another store. True in such a child.
bool forked_from_runtime();

// RAII: init() in the constructor, shutdown() in the destructor.
class Runtime {
 public:
  explicit Runtime(RuntimeOptions options = {});
  ~Runtime();
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  // Why the runtime did not start, or ok.
  const Status& status() const { return status_; }

 private:
  Status status_;
};

}  // namespace streamll

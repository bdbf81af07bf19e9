// Retention: which executions Store::prune() removes, and what it did.
#pragma once

#include <chrono>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>

namespace streamll {

// Which executions go. Whole executions only: an execution goes when any
// limit selects it, oldest first (by its latest event, ties by
// execution_id), so each limit removes a prefix of that order. No limit set
// prunes nothing.
struct PruneOptions {
  // Executions whose latest event is older than this (ns since the epoch).
  int64_t before = std::numeric_limits<int64_t>::min();
  // Keep only the newest N executions.
  std::optional<uint64_t> keep_executions;
  // Prune the oldest executions until the store's table files and memtables
  // hold at most this many bytes, measured after the compaction that gives
  // the space back: executions are picked at the store's bytes per event,
  // and when the compacted store is still larger, more go, in up to four
  // rounds (each a compaction). Executions held back for replication stay
  // (the store may then stay larger; PruneReport says why). A dry run
  // reports the first round's pick, an estimate.
  std::optional<uint64_t> max_bytes;
  // Also remove events that a replicator has not shipped yet (see
  // Store::mark_replicated()). false: executions holding such events are
  // kept, and PruneReport says so.
  bool force = false;
  // Report what would go; change nothing.
  bool dry_run = false;

  bool any_limit() const {
    return before != std::numeric_limits<int64_t>::min() || keep_executions.has_value() || max_bytes.has_value();
  }
};

// What Store::prune() removed (or, dry run, would remove).
struct PruneReport {
  uint64_t executions = 0;  // executions removed
  uint64_t events = 0;      // their events
  // Executions the limits selected but that were kept because they hold
  // events a replicator has not shipped (force=false).
  uint64_t kept_unreplicated = 0;
  std::string held_back_by;  // the replication target of the first such event ("" if none)
  uint64_t bytes_before = 0;  // table files and memtables, before
  uint64_t bytes_after = 0;   // and after the compaction that gives the space back
};

// Background retention for a writer (StoreOptions::retention): the limits of
// PruneOptions with the age relative to now, checked every `interval`.
struct RetentionOptions {
  std::optional<std::chrono::nanoseconds> max_age;  // executions whose latest event is older go
  std::optional<uint64_t> keep_executions;
  std::optional<uint64_t> max_bytes;
  std::chrono::milliseconds interval{std::chrono::minutes(10)};

  bool any_limit() const { return max_age.has_value() || keep_executions.has_value() || max_bytes.has_value(); }
};

}  // namespace streamll

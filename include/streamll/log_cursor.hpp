// LogCursor: following the log as a writer appends to it, the one way the
// library, the CLI (`tail -f`, `replicate --follow`, `ingest` consumers of a
// store) and a dashboard see new events arrive.
//
// A cursor holds a position, the seq of the last event handed out. next()
// waits until something is stored after it (a read-only view refreshes
// itself while it waits) and returns an iterator over everything stored
// after it now, in arrival order; each next() on that iterator moves the
// position to the event it steps past. An event the caller looked at but
// did not step past comes again from the next next(). No event is handed out twice or skipped, however
// the writer's appends and the cursor's reads interleave, because seqs are
// dense and only grow (store.hpp).
//
// Thread-safety: one cursor is used from one thread at a time; several
// cursors may follow one Store at once. The Store must outlive its cursors
// and their iterators.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>

#include "streamll/status.hpp"
#include "streamll/store.hpp"

namespace streamll {

class LogCursor {
 public:
  // Follows `store` from just after `after_seq` (0: from the first event).
  LogCursor(Store& store, uint64_t after_seq);

  // Waits at most `wait` for an event after position(), checking every
  // `poll` (a few milliseconds: a look at the writer's files for a view, a
  // load of the last seq for the writer), then returns an iterator over the
  // events stored after position() at that moment; empty (valid() false,
  // status ok) if none came, or if `stop` (when given) was set while it
  // waited (noticed within 20 ms, between looks too). A failed refresh comes back as the iterator's status, with the
  // position unchanged. Cost while waiting: one refresh() per poll; then a
  // scan_arrival() (one seek, sequential block reads; no per-event lookup).
  // std::chrono::milliseconds::max() waits until an event comes or `stop`.
  std::unique_ptr<EventIterator> next(std::chrono::milliseconds wait,
                                      std::chrono::milliseconds poll = std::chrono::milliseconds(20),
                                      const std::atomic<bool>* stop = nullptr);

  // The seq of the last event stepped past (or the after_seq it started at,
  // or was moved to).
  uint64_t position() const { return position_; }

  // The store's last seq when the last next() looked (0 before the first):
  // the iterator it returned holds every event after its start position up
  // to this one, and may hold later ones (a writer in this process appends
  // while it is read). A replicator ships up to it and marks it shipped.
  uint64_t horizon() const { return horizon_; }

  // Moves the position: the next next() starts after `after_seq` (a
  // replicator resuming from a checkpoint kept elsewhere). Iterators that
  // next() returned earlier must not be stepped afterwards.
  void seek(uint64_t after_seq) { position_ = after_seq; }

 private:
  class Iterator;
  Store& store_;
  uint64_t position_;
  uint64_t horizon_ = 0;
};

}  // namespace streamll

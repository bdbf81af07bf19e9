// Replay: delivers one execution's stored events again, in stored order, to a
// handler (or a Sink), either with their original relative timing scaled by a
// speed factor or as fast as possible: to watch a run again, to feed a
// dashboard or a test with real traffic, or to debug what a consumer did.
//
//   ReplayOptions options;
//   options.speed = 10;  // ten times as fast as recorded
//   Status s = replay(*store, id, options, [](const EventView& e) { show(e); return Status(); });
//
// Thread-safety: replay() runs on the calling thread and calls the handler
// and the progress callback there, one call at a time. The cancel flag may be
// set from any thread (or a signal handler). The Store may be shared with
// other threads while a replay reads it.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string_view>

#include "streamll/event.hpp"
#include "streamll/sink.hpp"
#include "streamll/status.hpp"
#include "streamll/store.hpp"

namespace streamll {

// Where a replay stands, as the progress callback sees it.
struct ReplayProgress {
  uint64_t delivered = 0;  // events the handler has accepted so far
  // The execution's event count from its summary (Store::get_execution). An
  // upper bound of what the replay delivers: exact without a time window,
  // larger when the window leaves events out.
  uint64_t total = 0;
  double elapsed_s = 0;  // since the replay started, on a steady clock
};

// What a replay did, as it ended (ok, cancelled, or stopped by an error).
struct ReplayStats : ReplayProgress {
  bool cancelled = false;  // the cancel flag stopped it before the last event
};

// Receives each replayed event. The view (and the bytes it points to) is
// valid only during the call; copy what must outlive it (to_event()). A
// non-ok Status stops the replay, which returns it.
using ReplayHandler = std::function<Status(const EventView&)>;

struct ReplayOptions {
  // How much faster than recorded: event i is delivered at
  //   start + (timestamp_i - timestamp_first) / speed
  // on a steady clock, where "first" is the first event replayed. 2 is
  // twice as fast, 0.5 half as fast. Must be > 0 (InvalidArgument otherwise,
  // also when as_fast_as_possible makes it unused). Each due time is computed
  // from the start, not from the previous event, so lateness (a slow handler)
  // does not accumulate: a late replay catches up.
  double speed = 1.0;

  // Deliver every event at once, ignoring timestamps (and speed).
  bool as_fast_as_possible = false;

  // Only events with a timestamp in this range; timing then starts at the
  // first event in it.
  TimeRange range;

  // When set and it becomes true, the replay stops and returns ok with
  // ReplayStats::cancelled. Checked before each event and at least every
  // 20 ms while waiting for one, however long the gap. Must outlive the call.
  const std::atomic<bool>* cancel = nullptr;

  // When set, called about every progress_interval_s (one steady-clock read
  // per event decides when), also while waiting through a long gap, and once
  // more at the end. Must be >= 0 (InvalidArgument otherwise); 0 calls it
  // after every event.
  std::function<void(const ReplayProgress&)> progress;
  double progress_interval_s = 1.0;
};

// Replays the events of `execution_id` in `store` in stored order (as
// Store::scan_execution returns them: time order, ties in arrival order),
// restricted to options.range, calling `handler` once per event at its due
// time (see ReplayOptions::speed).
//
// Returns ok when every event was delivered or the replay was cancelled;
// InvalidArgument for a speed that is not > 0 (or NaN), a negative progress
// interval or an empty handler; NotFound naming the execution and the store
// when the store has no such execution; the handler's Status, prefixed with
// the execution and the event it failed on, when the handler fails; the
// store's error when reading fails. *stats (when given) receives the counts
// in every case.
//
// The replay reads a consistent snapshot of the store as of the call: events
// appended meanwhile are not replayed.
//
// Cost: one seek, then sequential reads, one record decode per event (no JSON
// parsing) and the handler; O(1) memory. With as_fast_as_possible, over a
// million events a second to a trivial handler (streamll-bench replay).
// Otherwise the calling thread sleeps between events, for as long as the
// scaled recording took.
Status replay(const Store& store, std::string_view execution_id, const ReplayOptions& options,
              const ReplayHandler& handler, ReplayStats* stats = nullptr);

// A handler that writes each event to `sink` as a batch of one. It does not
// flush the sink: call sink.flush() when an event should become visible (for
// a terminal, after each event of a timed replay) and after the replay.
// `sink` must outlive the handler. Cost: the sink's write of one view (no
// copy, no parse).
ReplayHandler sink_handler(Sink& sink);

}  // namespace streamll

// The emit pipeline behind the process-wide runtime: the bounded queue the
// application threads push into, the writer thread that appends batches to
// the store and fans them out to sinks, and the counters.
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "context/execution_ref.hpp"
#include "emit/bounded_queue.hpp"
#include "emit/event_policy.hpp"
#include "emit/sink_runner.hpp"
#include "event/event_id.hpp"
#include "streamll/event_batch.hpp"
#include "streamll/replicate.hpp"
#include "streamll/runtime.hpp"
#include "streamll/store.hpp"

namespace streamll::detail {

class Pipeline {
 public:
  // Opens the store and starts the writer and sink threads.
  static Status start(RuntimeOptions options, std::unique_ptr<Pipeline>* out);
  ~Pipeline();  // stop()

  // The emitting thread's part: filter, complete, queue (the writer
  // validates).
  bool submit(Event&& event);
  // submit() for an event whose data its maker wrote as JSON text already
  // (`data_json`, a JSON object within validate_event()'s nesting limit, in
  // the JSON writer's compact form; `envelope.data` is ignored): the writer
  // stores and hands on that text as it is, with no tree to build on this
  // thread or to serialize on the writer's. The Python binding's path.
  bool submit_encoded(Event&& envelope, std::string&& data_json);

  bool flush(std::chrono::milliseconds timeout);
  RuntimeStats stats() const;

  // Replaces the sinks; the old ones deliver what they hold and stop.
  void set_sinks(const std::vector<std::shared_ptr<Sink>>& sinks);

  // Drains the queue, flushes and stops the sinks, appends the stats event,
  // closes the store. Call once no thread can submit any more.
  void stop();

 private:
  // `options.sinks` is empty: the sinks are `sinks`, which set_sinks()
  // replaces (options_ would keep replaced sinks alive).
  Pipeline(RuntimeOptions options, std::vector<std::shared_ptr<Sink>> sinks, std::unique_ptr<Store> store);
  // What the queue holds: the event itself (no box to allocate and free on
  // another thread), whether its id is one submit() made, and the scope's
  // execution id when the event had none (the writer copies it in: no
  // allocation on the emitting thread).
  struct Queued {
    // With data_is_text, event.data is a JSON string holding the data's
    // JSON text (submit_encoded()), not the data.
    Event event;
    // A fresh id, spelled into event.event_id by the writer (the store
    // then skips its dedupe lookup); none when the caller gave one.
    std::optional<EventIdBits> id;
    ExecutionRef execution_id;
    bool data_is_text = false;
  };
  // What the writer takes out of the queue for one append: the events and,
  // per event, whether its id is fresh and whether its data is text.
  struct Batch {
    std::vector<Event> events;
    std::vector<uint8_t> fresh_ids;
    std::vector<uint8_t> data_is_text;
    void clear();
  };
  // submit()'s part after the filter: completes the envelope and queues.
  bool complete_and_push(Event&& event, bool data_is_text);
  // Moves the event into a slot of the queue, as the overflow policy says
  // when it is full.
  bool push(Event&& event, std::optional<EventIdBits> id, ExecutionRef&& execution_id,
            bool data_is_text);
  // kBlock: waits until the writer has taken events out of a full queue.
  void wait_for_room();
  void writer_loop();
  // Validates, redacts, appends and offers `batch` to the sinks; invalid
  // events (and their flags) are removed and counted.
  void write_batch(Batch* batch);
  bool store_writable();  // false while a failed store is not yet recovered
  void wake_writer();
  void start_replicator(std::unique_ptr<Replicator> replicator);
  void stop_replicator();
  void append_stats_event();

  const RuntimeOptions options_;
  const TypeFilter filter_;
  const Redactor redactor_;
  std::unique_ptr<Store> store_;
  BoundedQueue<Queued> queue_;
  const uint64_t wake_mask_;  // push wakes the writer at positions that are multiples of this + 1
  // The writer's last batch, encoded once for the store and the sinks;
  // reused while no sink was given it.
  std::shared_ptr<EventBatch> encoded_;
  // Producers blocked on a full queue (kBlock) wait on room_, which the
  // writer bumps after each batch it takes out, waking them only when
  // blocked_ says someone waits (no system call otherwise).
  std::atomic<uint64_t> room_{0};
  std::atomic<uint32_t> blocked_{0};
  // Replaced by set_sinks(); the writer offers each batch under sinks_mu_,
  // so that no batch reaches a runner after it was replaced.
  using SinkRunners = std::vector<std::shared_ptr<SinkRunner>>;
  SinkRunners make_runners(const std::vector<std::shared_ptr<Sink>>& sinks) const;
  SinkRunners current_sinks() const;
  mutable std::mutex sinks_mu_;
  SinkRunners sinks_;

  std::mutex mu_;
  std::condition_variable wake_;      // the writer waits here
  std::condition_variable progress_;  // flush() waits here
  std::atomic<bool> stopping_{false};
  std::atomic<uint64_t> flush_wanted_{0};  // the highest queue position a flush waits for
  std::atomic<uint64_t> handled_{0};       // queue positions below this are stored or dropped

  std::atomic<uint64_t> filtered_{0};
  std::atomic<uint64_t> invalid_{0};
  std::atomic<uint64_t> dropped_{0};
  std::atomic<uint64_t> stored_{0};
  std::atomic<uint64_t> store_failures_{0};
  std::atomic<uint64_t> store_lost_{0};

  // The writer thread's view of a failing store (flush() reads the flag).
  std::atomic<bool> store_failing_{false};
  uint64_t lost_before_failure_ = 0;  // store_lost_ when the failure began
  int recovery_failures_ = 0;         // failed recover() calls in a row
  std::chrono::steady_clock::time_point next_recovery_;

  std::thread writer_;

  // RuntimeOptions::replicate: a replicator of store_ on its own thread.
  std::unique_ptr<Replicator> replicator_;
  std::atomic<bool> replicator_stop_{false};
  std::thread replicator_thread_;
};

}  // namespace streamll::detail

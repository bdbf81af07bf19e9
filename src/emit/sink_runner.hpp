// One sink's delivery: its own thread, bounded buffer of batches and circuit
// breaker, so that a failing or slow sink never holds up the writer thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "common/circuit_breaker.hpp"
#include "streamll/event_batch.hpp"
#include "streamll/runtime.hpp"
#include "streamll/sink.hpp"

namespace streamll::detail {

// One batch, encoded once, shared by every sink it is offered to.
using Batch = std::shared_ptr<const EventBatch>;

class SinkRunner {
 public:
  SinkRunner(std::shared_ptr<Sink> sink, const SinkOptions& options);
  ~SinkRunner();  // stop()

  // Queues a batch without blocking; when the buffer is full the batch is
  // counted as missed.
  void offer(Batch batch);

  // Waits until every batch offered before the call has been delivered or
  // missed and the sink's flush() has run; false on timeout.
  bool flush(std::chrono::steady_clock::time_point deadline);

  // Delivers what is buffered (as the breaker allows), then ends the thread.
  void stop();

  SinkStats stats() const;

 private:
  void run();
  void deliver(const EventBatch& batch);

  std::shared_ptr<Sink> sink_;
  const std::string name_;
  const size_t capacity_;
  CircuitBreaker breaker_;

  mutable std::mutex mu_;
  std::condition_variable work_;
  std::condition_variable done_;
  std::deque<Batch> queue_;  // a null Batch asks for sink->flush()
  uint64_t enqueued_ = 0;    // items ever queued (batches and flush marks)
  uint64_t completed_ = 0;   // items ever finished
  bool stopping_ = false;

  std::atomic<uint64_t> delivered_{0};
  std::atomic<uint64_t> missed_{0};
  std::atomic<uint64_t> failures_{0};
  std::thread thread_;
};

}  // namespace streamll::detail

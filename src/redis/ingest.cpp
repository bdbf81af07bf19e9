#include "streamll/ingest.hpp"

#include <chrono>
#include <memory>
#include <mutex>
#include <thread>

namespace streamll {

namespace {

// What the consumer's callbacks share with the calling thread: the counts,
// and the failure that ends the ingest.
class Progress {
 public:
  Progress(Store* store, const IngestOptions& options) : store_(store), options_(options) {}

  Status append(std::span<const EventView> events) {
    AppendResult result;
    Status s = store_->append(events, &result);
    if (!s.ok()) {
      fail(s);
      return s;
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      report_.appended += result.appended;
      report_.duplicates += result.duplicates;
      report_.conflicts += result.conflicts.size();
    }
    if (options_.on_conflict) {
      for (const size_t i : result.conflicts) options_.on_conflict(events[i].event_id);
    }
    return s;
  }

  // A consumer error: a refused password ends the ingest (no retry fixes
  // it); the rest are told.
  void consumer_error(const Status& s) {
    if (failed_.load()) return;  // an append failed: that is the one reported
    if (s.is_permission_denied()) {
      fail(s);
    } else {
      tell(s);
    }
  }

  void fail(const Status& s) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (error_.ok()) error_ = s;
    failed_.store(true);
  }

  const std::atomic<bool>* failed() const { return &failed_; }
  bool stopping() const { return failed_.load() || options_.stop->load(); }

  Status finish(const ConsumerStats& stats, IngestReport* out) {
    std::lock_guard<std::mutex> lock(mutex_);
    *out = report_;
    out->consumer = stats;
    return error_;
  }

 private:
  void tell(const Status& s) const {
    if (options_.on_problem) options_.on_problem(s);
  }

  Store* store_;
  const IngestOptions& options_;
  std::mutex mutex_;
  std::atomic<bool> failed_{false};
  Status error_;
  IngestReport report_;
};

}  // namespace

Status ingest_stream(const ConsumerOptions& options, Store* store, const IngestOptions& ingest, IngestReport* report) {
  *report = IngestReport{};
  if (ingest.follow && ingest.stop == nullptr) {
    return Status::invalid_argument("IngestOptions: follow needs a stop flag to end it");
  }
  Progress progress(store, ingest);  // outlives the consumer, whose callbacks use it
  std::unique_ptr<RedisStreamConsumer> consumer;
  if (Status s = RedisStreamConsumer::create(options, &consumer); !s.ok()) return s;
  consumer->subscribe_views([&progress](std::span<const EventView> events) { return progress.append(events); });
  consumer->on_error([&progress](const Status& s) { progress.consumer_error(s); });

  if (!ingest.follow) {
    // A failed append ends the drain after its batch.
    const Status s = consumer->drain(progress.failed());
    const Status failure = progress.finish(consumer->stats(), report);
    if (!failure.ok()) return failure;
    return s;
  }

  if (Status s = consumer->start(); !s.ok()) return s;
  while (!progress.stopping()) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  consumer->stop();
  return progress.finish(consumer->stats(), report);
}

}  // namespace streamll

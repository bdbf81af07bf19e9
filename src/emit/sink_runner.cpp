#include "emit/sink_runner.hpp"

#include <exception>

#include <fmt/format.h>

namespace streamll::detail {

SinkRunner::SinkRunner(std::shared_ptr<Sink> sink, const SinkOptions& options)
    : sink_(std::move(sink)),
      name_(sink_->name()),
      capacity_(options.buffer_batches == 0 ? 1 : options.buffer_batches),
      breaker_(options.failure_threshold, options.recovery_timeout),
      thread_([this] { run(); }) {}

SinkRunner::~SinkRunner() { stop(); }

void SinkRunner::offer(Batch batch) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!stopping_ && queue_.size() < capacity_) {
      queue_.push_back(std::move(batch));
      ++enqueued_;
      work_.notify_one();
      return;
    }
  }
  missed_.fetch_add(batch->size(), std::memory_order_relaxed);
}

bool SinkRunner::flush(std::chrono::steady_clock::time_point deadline) {
  std::unique_lock<std::mutex> lock(mu_);
  if (stopping_) return true;
  queue_.push_back(nullptr);
  const uint64_t ticket = ++enqueued_;
  work_.notify_one();
  return done_.wait_until(lock, deadline, [&] { return completed_ >= ticket; });
}

void SinkRunner::stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return;
    queue_.push_back(nullptr);  // a last flush of the sink
    ++enqueued_;
    stopping_ = true;
    work_.notify_one();
  }
  if (thread_.joinable()) thread_.join();
}

SinkStats SinkRunner::stats() const {
  SinkStats s;
  s.name = name_;
  s.delivered = delivered_.load(std::memory_order_relaxed);
  s.missed = missed_.load(std::memory_order_relaxed);
  s.failures = failures_.load(std::memory_order_relaxed);
  s.state = breaker_.state();
  return s;
}

void SinkRunner::run() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    work_.wait(lock, [&] { return !queue_.empty() || stopping_; });
    if (queue_.empty()) return;  // stopping, and everything is done
    Batch item = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    if (item) {
      deliver(*item);
    } else {
      try {
        (void)sink_->flush();
      } catch (...) {
        // A sink's flush failing is its own business; delivery counters say the rest.
      }
    }
    lock.lock();
    ++completed_;
    done_.notify_all();
  }
}

void SinkRunner::deliver(const EventBatch& batch) {
  const auto now = CircuitBreaker::Clock::now();
  if (!breaker_.allow(now)) {
    missed_.fetch_add(batch.size(), std::memory_order_relaxed);
    return;
  }
  Status s;
  try {
    s = sink_->write(batch.views());
  } catch (const std::exception& e) {
    s = Status::io_error(fmt::format("exception: {}", e.what()));
  } catch (...) {
    s = Status::io_error("unknown exception");
  }
  if (s.ok()) {
    breaker_.record_success();
    delivered_.fetch_add(batch.size(), std::memory_order_relaxed);
    return;
  }
  failures_.fetch_add(1, std::memory_order_relaxed);
  missed_.fetch_add(batch.size(), std::memory_order_relaxed);
  if (breaker_.record_failure(CircuitBreaker::Clock::now())) {
    // One line when the breaker opens, not one per failure.
    fmt::print(stderr, "streamll: sink {} failed {} times, pausing it: {}\n", name_,
               failures_.load(std::memory_order_relaxed), s.message());
  }
}

}  // namespace streamll::detail

#include "store/retention.hpp"

#include <limits>

namespace streamll::detail {

PruneOptions prune_options_of(const RetentionOptions& retention, int64_t now) {
  PruneOptions options;
  if (retention.max_age) {
    const int64_t age = retention.max_age->count();
    options.before = now >= std::numeric_limits<int64_t>::min() + age ? now - age : std::numeric_limits<int64_t>::min() + 1;
  }
  options.keep_executions = retention.keep_executions;
  options.max_bytes = retention.max_bytes;
  return options;
}

RetentionWorker::RetentionWorker(std::chrono::milliseconds interval, std::function<void()> work)
    : interval_(interval), work_(std::move(work)), thread_([this] { loop(); }) {}

RetentionWorker::~RetentionWorker() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void RetentionWorker::loop() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!wake_.wait_for(lock, interval_, [this] { return stopping_; })) {
    lock.unlock();
    work_();
    lock.lock();
  }
}

}  // namespace streamll::detail

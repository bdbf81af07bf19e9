// Background retention (StoreOptions::retention): a thread of the writer's
// own that prunes by the limits every interval.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

#include "streamll/prune.hpp"

namespace streamll::detail {

// The prune limits of `retention` at time `now` (ns since the epoch).
PruneOptions prune_options_of(const RetentionOptions& retention, int64_t now);

// Runs `work` every `interval` (the first time one interval after it
// starts) until destroyed; the destructor wakes it and waits for a run in
// progress to end.
class RetentionWorker {
 public:
  RetentionWorker(std::chrono::milliseconds interval, std::function<void()> work);
  ~RetentionWorker();
  RetentionWorker(const RetentionWorker&) = delete;
  RetentionWorker& operator=(const RetentionWorker&) = delete;

 private:
  void loop();

  std::chrono::milliseconds interval_;
  std::function<void()> work_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace streamll::detail

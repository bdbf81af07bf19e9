// Background retention (StoreOptions::retention): a thread of the writer's
// own that prunes by the limits every interval.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include <rocksdb/env.h>

#include "streamll/prune.hpp"
#include "streamll/status.hpp"
#include "streamll/store.hpp"

namespace streamll::detail {

// InvalidArgument when `retention` sets a limit that a store opened with
// `mode` cannot keep (a view prunes nothing) or an interval or age that is
// not positive.
Status check_retention(const RetentionOptions& retention, StoreOptions::Mode mode);

// The prune limits of `retention` at time `now` (ns since the epoch).
PruneOptions prune_options_of(const RetentionOptions& retention, int64_t now);

// Calls `prune` with the limits of `retention` every retention.interval
// (the first time one interval after it starts) until destroyed, and writes
// what each run removed, or why it failed, to `log` (the store's info log).
// The destructor wakes it and waits for a run in progress to end.
class RetentionWorker {
 public:
  using Prune = std::function<Status(const PruneOptions&, PruneReport*)>;
  RetentionWorker(const RetentionOptions& retention, Prune prune, std::shared_ptr<rocksdb::Logger> log);
  ~RetentionWorker();
  RetentionWorker(const RetentionWorker&) = delete;
  RetentionWorker& operator=(const RetentionWorker&) = delete;

 private:
  void loop();
  void run_once();

  RetentionOptions retention_;
  Prune prune_;
  std::shared_ptr<rocksdb::Logger> log_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace streamll::detail

#include "store/retention.hpp"

#include <limits>

#include "streamll/timestamp.hpp"

namespace streamll::detail {

Status check_retention(const RetentionOptions& retention, StoreOptions::Mode mode) {
  if (!retention.any_limit()) return Status::ok_status();
  if (mode != StoreOptions::Mode::kReadWrite) {
    return Status::invalid_argument("StoreOptions.retention is for the writer; a read-only view prunes nothing");
  }
  if (retention.interval.count() <= 0) return Status::invalid_argument("StoreOptions.retention.interval must be positive");
  if (retention.max_age && retention.max_age->count() <= 0) {
    return Status::invalid_argument("StoreOptions.retention.max_age must be positive");
  }
  return Status::ok_status();
}

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

RetentionWorker::RetentionWorker(const RetentionOptions& retention, Prune prune, std::shared_ptr<rocksdb::Logger> log)
    : retention_(retention), prune_(std::move(prune)), log_(std::move(log)), thread_([this] { loop(); }) {}

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
  while (!wake_.wait_for(lock, retention_.interval, [this] { return stopping_; })) {
    lock.unlock();
    run_once();
    lock.lock();
  }
}

void RetentionWorker::run_once() {
  PruneReport report;
  const Status pruned = prune_(prune_options_of(retention_, now_ns()), &report);
  if (!pruned.ok()) {
    rocksdb::Log(rocksdb::InfoLogLevel::ERROR_LEVEL, log_, "streamll retention: prune failed: %s",
                 pruned.message().c_str());
  } else if (report.executions > 0 || report.kept_unreplicated > 0) {
    rocksdb::Log(rocksdb::InfoLogLevel::INFO_LEVEL, log_,
                 "streamll retention: pruned %llu executions (%llu events), %llu bytes -> %llu; kept %llu not yet "
                 "replicated",
                 static_cast<unsigned long long>(report.executions), static_cast<unsigned long long>(report.events),
                 static_cast<unsigned long long>(report.bytes_before), static_cast<unsigned long long>(report.bytes_after),
                 static_cast<unsigned long long>(report.kept_unreplicated));
  }
}

}  // namespace streamll::detail

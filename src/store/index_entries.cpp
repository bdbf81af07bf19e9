#include "store/index_entries.hpp"

#include <algorithm>

#include "store/layout.hpp"

namespace streamll::detail {

namespace {

// Sorts `pairs` into (ts, seq) order and returns the smallest seq.
uint64_t sort_pairs(std::vector<postings::Posting>* pairs) {
  // Added in seq order: the first has the smallest seq.
  const uint64_t first_seq = pairs->front().seq;
  if (!std::is_sorted(pairs->begin(), pairs->end())) std::sort(pairs->begin(), pairs->end());
  return first_seq;
}

}  // namespace

void IndexEntries::add(std::string_view execution_id, int64_t ts, uint64_t seq) {
  // Events come in runs of one execution and one bucket: the last group's
  // list saves a hash lookup (map values stay where they are).
  if (last_execution_ == nullptr || execution_id != last_execution_id_) {
    last_execution_ = &executions_[execution_id];
    last_execution_id_ = execution_id;
  }
  last_execution_->push_back({ts, seq});
  const int64_t bucket = layout::time_bucket(ts);
  if (last_bucket_ == nullptr || bucket != last_bucket_id_) {
    last_bucket_ = &buckets_[bucket];
    last_bucket_id_ = bucket;
  }
  last_bucket_->push_back({ts, seq});
}

void IndexEntries::write(rocksdb::ColumnFamilyHandle* by_execution, rocksdb::ColumnFamilyHandle* by_time,
                         rocksdb::WriteBatch* batch) {
  for (auto& [execution_id, pairs] : executions_) {
    key_.clear();
    layout::append_execution_entry_key(execution_id, sort_pairs(&pairs), &key_);
    value_.clear();
    postings::encode(pairs, &value_);
    batch->Put(by_execution, key_, value_);
  }
  for (auto& [bucket, pairs] : buckets_) {
    const uint64_t first_seq = sort_pairs(&pairs);
    value_.clear();
    postings::encode(pairs, &value_);
    batch->Put(by_time, layout::time_entry_key(bucket, first_seq), value_);
  }
  executions_.clear();
  buckets_.clear();
  last_execution_ = nullptr;
  last_bucket_ = nullptr;
}

}  // namespace streamll::detail

// The packed index entries of one write: the (timestamp, seq) pairs it adds,
// gathered per execution (by_execution) and per time bucket (by_time), then
// written as one entry each (doc/format.md). Store::append uses it for each
// append, the conversion of older stores for each chunk of the log.
//
// Not thread-safe; one per writer, reused (clear() keeps its capacity).
#pragma once

#include <cstdint>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include "store/postings.hpp"

namespace streamll::detail {

class IndexEntries {
 public:
  // Adds one event. `execution_id` must stay valid until write(); seqs come
  // in increasing order. Cost: a hash lookup for the execution and the bucket.
  void add(std::string_view execution_id, int64_t ts, uint64_t seq);
  // Puts one by_execution entry per execution and one by_time entry per
  // bucket into *batch, each keyed by its smallest seq; then clears.
  // Cost: a sort of each group's pairs when they are not in time order.
  void write(rocksdb::ColumnFamilyHandle* by_execution, rocksdb::ColumnFamilyHandle* by_time,
             rocksdb::WriteBatch* batch);
  bool empty() const { return executions_.empty(); }

 private:
  std::unordered_map<std::string_view, std::vector<postings::Posting>> executions_;
  std::unordered_map<int64_t, std::vector<postings::Posting>> buckets_;
  std::vector<postings::Posting>* last_execution_ = nullptr;
  std::string_view last_execution_id_;
  std::vector<postings::Posting>* last_bucket_ = nullptr;
  int64_t last_bucket_id_ = 0;
  std::string key_, value_;
};

}  // namespace streamll::detail

// One open RocksDB database with its column family handles, as a Store
// reads and writes it. A writer keeps one instance for its whole life. A
// view replaces its instance when the writer has flushed or compacted
// (Store::refresh(): a RocksDB 7.8 secondary that catches up across a flush
// keeps the memtable it replayed from the flushed log, so it would read
// what the flush wrote twice, merging execution and type summaries twice,
// and keep what a prune deleted). Every read holds the instance it started
// on (iterators hold it until destroyed), so a replacement never pulls a
// database out from under a reader in another thread.
#pragma once

#include <array>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <rocksdb/db.h>

#include "store/layout.hpp"

namespace streamll::detail {

struct Instance;

// A RocksDB iterator (default read options, no bounds) that goes back to
// its instance's pool when destroyed, for the next reader to reuse.
class PooledIterator {
 public:
  PooledIterator() = default;
  PooledIterator(PooledIterator&&) = default;
  PooledIterator& operator=(PooledIterator&& other) noexcept;
  ~PooledIterator();
  rocksdb::Iterator* operator->() const { return it_.get(); }
  rocksdb::Iterator& operator*() const { return *it_; }

 private:
  friend struct Instance;
  void give_back();
  const Instance* owner_ = nullptr;
  layout::Family family_ = layout::kBlocks;
  uint64_t seen_seq_ = 0;  // the database's last sequence number before the iterator was made
  std::unique_ptr<rocksdb::Iterator> it_;
};

struct Instance {
  std::unique_ptr<rocksdb::DB> db;
  std::vector<rocksdb::ColumnFamilyHandle*> families;  // indexed by layout::Family
  // Views: RocksDB's private directory for this instance, removed with it.
  std::string secondary_path;
  // Views: the writer's MANIFEST as this instance last read it
  // (CURRENT's target, inode, size, mtime), to see flushes since.
  std::string manifest_seen;

  rocksdb::ColumnFamilyHandle* family(layout::Family f) const { return families[f]; }

  // An iterator over family f that sees every write made before the call,
  // positioned nowhere (seek it). Point reads (an execution, an event by
  // id, the latest events) reuse the iterator an earlier reader gave back
  // when nothing was written since (the database's last sequence number is
  // the one it was made at): making one costs a fifth of a short query
  // (a merging iterator over every memtable and table, a pinned version).
  // Up to two per family wait in the pool, each pinning the version it
  // reads until it is reused or replaced. Thread-safe.
  PooledIterator iterator(layout::Family f) const;

  Instance() = default;
  Instance(const Instance&) = delete;
  Instance& operator=(const Instance&) = delete;
  // Destroys the pooled iterators and the handles, closes the database,
  // removes secondary_path.
  ~Instance();

 private:
  friend class PooledIterator;
  static constexpr size_t kPooledPerFamily = 2;
  mutable std::mutex pool_mutex_;
  mutable std::array<std::vector<PooledIterator>, layout::kFamilyCount> pool_;
};

}  // namespace streamll::detail

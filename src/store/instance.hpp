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

#include <memory>
#include <string>
#include <vector>

#include <rocksdb/db.h>

#include "store/layout.hpp"

namespace streamll::detail {

struct Instance {
  std::unique_ptr<rocksdb::DB> db;
  std::vector<rocksdb::ColumnFamilyHandle*> families;  // indexed by layout::Family
  // Views: RocksDB's private directory for this instance, removed with it.
  std::string secondary_path;
  // Views: the writer's MANIFEST as this instance last read it
  // (CURRENT's target, inode, size, mtime), to see flushes since.
  std::string manifest_seen;

  rocksdb::ColumnFamilyHandle* family(layout::Family f) const { return families[f]; }

  Instance() = default;
  Instance(const Instance&) = delete;
  Instance& operator=(const Instance&) = delete;
  // Destroys the handles, closes the database, removes secondary_path.
  ~Instance();
};

}  // namespace streamll::detail

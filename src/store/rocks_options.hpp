// The RocksDB options of a store: its database and each column family's
// (compression, filters, merge operators, memtable hints, compaction), shared
// by every way of opening it (writer, view, the checks, repair).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include <rocksdb/db.h>
#include <rocksdb/options.h>

namespace streamll::detail {

// The block cache (uncompressed RocksDB blocks) that every store of the
// process shares: memory is taken as blocks are read, up to this.
inline constexpr size_t kBlockCacheBytes = 64 << 20;

// The write buffer (memtable) of `blocks`, the family an append adds most
// bytes to; the others keep RocksDB's 64 MiB.
inline constexpr size_t kLogMemtableBytes = 4 << 20;

rocksdb::DBOptions db_options();

// One per layout::Family, in its order.
std::vector<rocksdb::ColumnFamilyDescriptor> family_descriptors();
// The same for opens that never write (the table check, views): without
// what only a writer's memtables use.
std::vector<rocksdb::ColumnFamilyDescriptor> reader_family_descriptors();

// The read-only open that checks the table files before a writer or a view
// opens (store/table_files.hpp), logging to `info_log_dir`/LOG. Its small
// table cache loads few tables at open (RocksDB preloads a quarter of its
// capacity); the open then stat()s the other listed tables.
rocksdb::DBOptions check_options(const std::string& info_log_dir);

}  // namespace streamll::detail

// Memtable insert hints: every family's keys arrive mostly in order within a
// prefix (block, time and id keys globally, execution keys per execution), so
// RocksDB can insert each key next to the previous one of its prefix instead
// of searching the skiplist from the top.
#pragma once

#include <memory>

#include <rocksdb/slice_transform.h>

namespace streamll::detail {

// One prefix for all keys: for keys that only ever grow (seq, time).
std::shared_ptr<const rocksdb::SliceTransform> whole_family_hint();

// The execution id (everything before the 0x00 separator) of a by_execution key.
std::shared_ptr<const rocksdb::SliceTransform> execution_hint();

}  // namespace streamll::detail

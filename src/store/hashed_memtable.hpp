// A memtable for by_id: a hash of its entries by user key, sorted only when
// it is iterated (a flush, a scan of the family).
//
// by_id's keys are event ids, which arrive in no order (upstream's are
// random). In RocksDB's skiplist each insert is a walk from the top of the
// list through cache misses and key comparisons: 40% of Store::append on
// ingest of random ids. Here an insert appends the entry and adds a slot to
// an open-addressing table; a point read (the dedupe MultiGet, get() by id)
// hashes the id; a flush sorts the entries once. doc/format.md has the
// figures. For a family with RocksDB's bytewise comparator (its sort
// compares the first 8 bytes of keys as numbers).
//
// Thread-safety: RocksDB calls Insert from one writer at a time and reads
// (Get, iterators) from any thread beside it; a shared mutex orders them.
// Costs: an insert is an append, and every 16th places the last 16 in the
// table together, their slots fetched at once (amortized O(1), the table
// doubles at half full); a point read is a probe, a look at up to 15
// inserts not placed yet, and a sort of that key's versions (almost
// always one); an iterator over a memtable still taking
// inserts copies and sorts its entries (O(n log n)), over one that no longer
// does (flushes) sorts them once and shares them. Memory: 24 to 40 bytes
// an entry beside the entry (its pointer, its slot), counted toward the
// family's write buffer.
#pragma once

#include <memory>

#include <rocksdb/memtablerep.h>

namespace streamll::detail {

// The factory to set as ColumnFamilyOptions::memtable_factory; one instance
// for the process, safe to share between stores and threads.
std::shared_ptr<rocksdb::MemTableRepFactory> hashed_memtable_factory();

}  // namespace streamll::detail

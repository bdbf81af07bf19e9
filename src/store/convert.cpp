// Conversion of format versions 3 and 4 (an index key per event) to 5
// (packed index entries), by a writer's open.
#include <string>
#include <unordered_set>

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include "store/index_entries.hpp"
#include "store/iterators.hpp"
#include "store/layout.hpp"
#include "store/rocks_status.hpp"
#include "store/store_impl.hpp"

namespace streamll::detail {

namespace {

// Events per write batch of new entries.
constexpr size_t kChunkEvents = 65536;

// Deletes every key of `family`, a write batch per kChunkEvents keys. (Not
// one DeleteRange: RocksDB 7.8 hands a range tombstone the memtable insert
// hint of the point keys, which these families use, and fails an assertion.)
Status delete_all(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* family) {
  rocksdb::WriteBatch batch;
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), family));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    batch.Delete(family, it->key());
    if (batch.Count() == kChunkEvents) {
      if (Status s = from_rocks(db->Write(rocksdb::WriteOptions(), &batch)); !s.ok()) return s;
      batch.Clear();
    }
  }
  if (!it->status().ok()) return from_rocks(it->status());
  return from_rocks(db->Write(rocksdb::WriteOptions(), &batch));
}

}  // namespace

Status convert_indexes(Store::Impl& impl, int version) {
  const std::shared_ptr<Instance> rocks = impl.rocks();
  rocksdb::DB* db = rocks->db.get();
  rocksdb::ColumnFamilyHandle* by_execution = rocks->family(layout::kByExecution);
  rocksdb::ColumnFamilyHandle* by_time = rocks->family(layout::kByTime);
  // What a conversion killed midway wrote goes too.
  if (Status s = delete_all(db, by_execution); !s.ok()) return s.with_context(impl.path);
  if (Status s = delete_all(db, by_time); !s.ok()) return s.with_context(impl.path);
  rocksdb::WriteBatch batch;

  IndexEntries entries;
  std::unordered_set<std::string> ids;  // the chunk's execution ids, which entries point into
  size_t events = 0;
  const auto write_chunk = [&] {
    entries.write(by_execution, by_time, &batch);
    const rocksdb::Status s = db->Write(rocksdb::WriteOptions(), &batch);
    batch.Clear();
    ids.clear();
    events = 0;
    return from_rocks(s, impl.path);
  };
  auto it = make_arrival_iterator(rocks, 0, ScanOrder::kOldestFirst);
  for (; it->valid(); it->next()) {
    const EventView& e = it->view();
    entries.add(*ids.emplace(e.execution_id).first, e.timestamp, e.seq);
    if (++events == kChunkEvents) {
      if (Status s = write_chunk(); !s.ok()) return s;
    }
  }
  if (!it->status().ok()) return it->status().with_context(impl.path);
  if (Status s = write_chunk(); !s.ok()) return s;

  // Last, and durably: the store is version 5 from here on.
  if (version == layout::kPrunedVersion4) batch.Put(rocks->family(layout::kMeta), layout::kPrunedKey, "");
  batch.Put(rocks->family(layout::kMeta), layout::kFormatVersionKey, std::to_string(layout::kFormatVersion));
  rocksdb::WriteOptions wo;
  wo.sync = true;
  if (Status s = from_rocks(db->Write(wo, &batch), impl.path); !s.ok()) return s;
  // The old keys and their tombstones leave the table files.
  rocksdb::CompactRangeOptions co;
  co.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForceOptimized;
  for (rocksdb::ColumnFamilyHandle* family : {by_execution, by_time}) {
    if (Status s = from_rocks(db->CompactRange(co, family, nullptr, nullptr), impl.path); !s.ok()) return s;
  }
  return Status::ok_status();
}

}  // namespace streamll::detail

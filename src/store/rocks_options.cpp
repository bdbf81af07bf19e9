#include "store/rocks_options.hpp"

#include <rocksdb/cache.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/memtablerep.h>
#include <rocksdb/slice_transform.h>
#include <rocksdb/table.h>

#include "store/execution_summary.hpp"
#include "store/hashed_memtable.hpp"
#include "store/info_log.hpp"
#include "store/insert_hints.hpp"
#include "store/layout.hpp"
#include "store/type_summary.hpp"

namespace streamll::detail {

namespace {

// One block cache for every family of every store the process opens, so
// that memory stays bounded however many views it holds. RocksDB's own
// default is 8 MiB per family and store: one type in a minute's window
// (q8, 60k events, about 36 MiB of blocks) then decompressed every block
// at each query (52% of its time in ZSTD).
const std::shared_ptr<rocksdb::Cache>& block_cache() {
  static const std::shared_ptr<rocksdb::Cache> cache = rocksdb::NewLRUCache(kBlockCacheBytes);
  return cache;
}

rocksdb::ColumnFamilyOptions family_options(layout::Family f) {
  rocksdb::ColumnFamilyOptions cf;
  // LZ4 in every table of every family, the last level too. The log: a
  // scan of it all (GROUP BY event_type over 1M events) spent most of its
  // time decompressing ZSTD, and LZ4 keeps it at 0.36x of JSONL on disk.
  // The indexes: with ZSTD in their last level, the compactions of by_id
  // and by_execution took 25-26 s of CPU in a 10M-event ingest that both
  // cores were busy with, 11.5-12 s with LZ4, for 1.868 -> 1.927 GB on disk.
  // doc/format.md has the figures.
  cf.compression = rocksdb::kLZ4Compression;
  rocksdb::BlockBasedTableOptions table;
  table.block_size = 16 * 1024;
  table.block_cache = block_cache();
  // No automatic readahead: an iterator that steps from block to block
  // (an execution's events, the latest 50) would issue a readahead()
  // system call at each step, though the blocks are cached (q1: 14% of
  // its time). The scans that read the log from end to end ask for
  // readahead themselves (ArrivalIterator).
  table.max_auto_readahead_size = 0;
  if (f == layout::kById) {
    // Point lookups: event_id dedupe on appends of ids the runtime did not
    // make, get() by id. Almost every dedupe lookup misses, and a bloom
    // filter answers a miss without searching, on disk and in the memtable.
    table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
    cf.memtable_whole_key_filtering = true;
    cf.memtable_prefix_bloom_size_ratio = 0.05;
    cf.memtable_factory = hashed_memtable_factory();
    // Random ids overlap every table, so leveled compaction rewrote all of
    // level 1 at each compaction from level 0: at 10M events 24 s of the
    // one compaction thread, while the log's moves waited behind it.
    // Universal compaction merges sorted runs of like size instead: 15 s.
    // A point read checks each run's bloom filter first.
    cf.compaction_style = rocksdb::kCompactionStyleUniversal;
  }
  // A small memtable for the log: a 64 MiB one was fresh memory, a page
  // fault per 4 KiB of records copied in (a quarter of append()); at 4 MiB
  // the memory of a flushed memtable serves the next one. Its flushes are
  // small tables that universal compaction moves, never rewrites (below).
  // Its memtables and level-0 tables come often, and wait while the flush
  // and compaction threads (db_options()) serve other families: room for
  // more of both than RocksDB's defaults (2; slowdown at 20), which
  // throttled a run of 3M events to 16 MB/s 25 times.
  if (f == layout::kBlocks) {
    cf.write_buffer_size = kLogMemtableBytes;
    cf.max_write_buffer_number = 4;
    cf.level0_slowdown_writes_trigger = 64;
    cf.level0_stop_writes_trigger = 128;
  }
  cf.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  if (f == layout::kExecutions) cf.merge_operator = execution_summary::merge_operator();
  if (f == layout::kTypes) cf.merge_operator = type_summary::merge_operator();
  // Insert hints: keys that grow (blocks by seq, by_time for live events)
  // start their skiplist search where the last insert of the batch ended;
  // by_execution where the last key of the same execution went.
  // by_id's memtable is a hash (store/hashed_memtable.hpp): random ids
  // have no order to hint.
  if (f == layout::kBlocks || f == layout::kByTime) {
    cf.memtable_insert_with_hint_prefix_extractor = whole_family_hint();
  } else if (f == layout::kByExecution) {
    cf.memtable_insert_with_hint_prefix_extractor = execution_hint();
  }
  // The log, whose keys arrive in order: universal compaction rewrites it
  // far less often than leveled. (by_time stays leveled: a range count
  // then merges fewer sorted runs.) Its tables never overlap, so a
  // compaction moves them into one sorted run instead of rewriting them,
  // from 2 runs on: a seek (an execution's first block) looks into every
  // run.
  if (f == layout::kBlocks) {
    cf.compaction_style = rocksdb::kCompactionStyleUniversal;
    cf.compaction_options_universal.allow_trivial_move = true;
    cf.level0_file_num_compaction_trigger = 2;
  }
  return cf;
}

}  // namespace

std::vector<rocksdb::ColumnFamilyDescriptor> family_descriptors() {
  std::vector<rocksdb::ColumnFamilyDescriptor> out;
  for (int f = 0; f < layout::kFamilyCount; ++f) {
    out.emplace_back(layout::kFamilyNames[f], family_options(static_cast<layout::Family>(f)));
  }
  return out;
}

std::vector<rocksdb::ColumnFamilyDescriptor> reader_family_descriptors() {
  std::vector<rocksdb::ColumnFamilyDescriptor> out = family_descriptors();
  // by_id's memtable bloom is 5% of a 64 MiB write buffer, allocated and
  // cleared at each open: 22% of `streamll query "SELECT 1"` after an
  // import, twice over (the table check's open and the view's). A
  // reader's memtables hold only the log it replays.
  out[layout::kById].options.memtable_prefix_bloom_size_ratio = 0;
  return out;
}

rocksdb::DBOptions db_options() {
  rocksdb::DBOptions o;
  o.keep_log_file_num = 3;
  o.max_log_file_size = 4 << 20;
  // Two flush threads and two compaction threads (RocksDB's default for
  // max_background_jobs = 2 is one of each). With one flush thread the
  // log's 4 MiB memtables waited behind by_id's flush (150 ms each), and
  // the writer stalled at 3 immutable memtables every few seconds; with
  // one compaction thread the log's table moves waited behind by_id's
  // compactions, and the writer slowed at 64 level-0 tables. Ingest of 1M
  // events 234-283k -> 300-326k events/s, no tenth below 291k (was 195k);
  // 10M: 15-39 writer stalls instead of 68-115 (doc/format.md).
  o.max_background_flushes = 2;
  o.max_background_compactions = 2;
  // The small families (summaries, indexes) rarely fill a memtable, which
  // would pin every log file until close: cap the log, forcing their flush,
  // so the disk holds compressed tables rather than a growing raw log.
  o.max_total_wal_size = 128 << 20;
  // One writer (append() serializes), so the memtable insert hints apply.
  o.allow_concurrent_memtable_write = false;
  return o;
}

rocksdb::DBOptions check_options(const std::string& info_log_dir) {
  rocksdb::DBOptions options = db_options();
  options.max_open_files = 12;
  options.info_log = open_info_log(info_log_dir);
  return options;
}

}  // namespace streamll::detail

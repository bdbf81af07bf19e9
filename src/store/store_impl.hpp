// Store::Impl: what an open store holds, shared by the files that implement
// Store (store.cpp: open, append, reads; verify.cpp: the integrity check).
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include "store/block.hpp"
#include "store/change_watch.hpp"
#include "store/index_entries.hpp"
#include "store/instance.hpp"
#include "store/layout.hpp"
#include "streamll/store.hpp"

namespace streamll {

namespace detail {
class RetentionWorker;
}  // namespace detail

// RocksDB's IDENTITY file in the store directory ("" when there is none).
std::string read_identity_file(const std::string& path);

class Store::Impl {
 public:
  std::string path;
  StoreOptions options;
  std::atomic<uint64_t> last_seq{0};
  std::string id;  // RocksDB's DB identity, read at open

  // The open database. Each read takes it once and holds it to its end (an
  // iterator, for its life). Cost: a lock and a reference count.
  std::shared_ptr<detail::Instance> rocks() const {
    std::lock_guard<std::mutex> lock(rocks_mutex_);
    return rocks_;
  }
  // Set by open; for views, replaced by refresh() (store/instance.hpp says
  // why). The one it replaces closes when its last reader lets go.
  void set_rocks(std::shared_ptr<detail::Instance> rocks) {
    std::lock_guard<std::mutex> lock(rocks_mutex_);
    rocks_ = std::move(rocks);
  }

  std::mutex refresh_mutex;  // views: one refresh() at a time; guards what follows
  // Read-only views: what the writer changed since (made at open, before
  // the first read), and whether the view has yet to catch up with it (a
  // failed refresh is tried again).
  std::unique_ptr<detail::ChangeWatch> changes;
  bool behind = true;
  std::mutex append_mutex;  // serializes seq assignment and writes
  std::mutex prune_mutex;   // one prune() at a time (it takes append_mutex per batch)
  // Background pruning by options.retention (writers with a limit set);
  // stopped by ~Store before anything else closes.
  std::unique_ptr<detail::RetentionWorker> retention;
  // Reused by every append (under append_mutex): a fresh batch of a few
  // hundred KB would be a fresh mmap, and page faults, each time.
  rocksdb::WriteBatch batch;
  block::Builder block;  // likewise
  detail::IndexEntries index;  // likewise

  // Writers: an open descriptor of the store directory. append() sees that
  // the directory was removed (its link count drops to 0) with one fstat().
  int dir_fd = -1;
  bool directory_removed() const;
  // A writer that opened, flushed and closed cleanly removes the writer
  // marker (layout::kWriterMarker) after RocksDB closed.
  bool unmark_at_close = false;

  // A writer flushes its memtables first (so that no later open replays the
  // write-ahead log); then closes the database and the directory.
  ~Impl();

  // Reads what open() caches: the identity and the last seq.
  Status load_state();
  Status load_last_seq();

 private:
  mutable std::mutex rocks_mutex_;
  std::shared_ptr<detail::Instance> rocks_;
};

namespace detail {

// Per column family: live table bytes, memtable bytes, estimated keys.
std::vector<StoreStats::Family> family_stats(Store::Impl& impl);
// Their table and memtable bytes, summed: the size prune() measures.
uint64_t store_bytes(Store::Impl& impl);

// Counts the type registry's entries again from the events (writers only):
// those of the types in *only, or every type (only null), deleting entries
// no event has. recount.cpp. Cost: reads every event's envelope once, and the
// data of the events counted.
Status recount_types(Store::Impl& impl, const std::set<std::string>* only);

// Counts every execution's summary again from the events (writers only),
// deleting the summaries of executions no event has, and the mark that they
// are stale. recount.cpp. Cost: reads every event's envelope once.
Status recount_executions(Store::Impl& impl);

// Rewrites the indexes of a store of format version 3 or 4 (a by_execution
// and a by_time key per event) as packed entries, from the blocks, and makes
// it version 5 (writers only, at open). The version changes last: a
// conversion killed midway leaves the old version, and the next writer's
// open starts it again. convert.cpp. Cost: reads every event's envelope
// once, writes both indexes, and compacts them.
Status convert_indexes(Store::Impl& impl, int version);

}  // namespace detail

}  // namespace streamll

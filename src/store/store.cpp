#include "streamll/store.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <thread>
#include <unordered_map>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>
#include <rocksdb/db.h>
#include <rocksdb/metadata.h>
#include <rocksdb/write_batch.h>

#include "common/coding.hpp"
#include "event/event_text.hpp"
#include "common/files.hpp"
#include "store/block.hpp"
#include "store/info_log.hpp"
#include "store/iterators.hpp"
#include "store/layout.hpp"
#include "store/rocks_status.hpp"
#include "store/retention.hpp"
#include "store/rocks_options.hpp"
#include "store/staged_tables.hpp"
#include "store/store_impl.hpp"
#include "store/table_files.hpp"
#include "store/view_dir.hpp"
#include "store/execution_summary.hpp"
#include "store/type_summary.hpp"
#include "streamll/event_batch.hpp"
#include "streamll/timestamp.hpp"

namespace fs = std::filesystem;

namespace streamll {

namespace detail {

Status from_rocks(const rocksdb::Status& s, std::string_view context) {
  if (s.ok()) return Status::ok_status();
  std::string msg = context.empty() ? s.ToString() : fmt::format("{}: {}", context, s.ToString());
  if (s.IsCorruption()) return Status::corruption(std::move(msg));
  return Status::io_error(std::move(msg));
}

}  // namespace detail

using detail::from_rocks;

namespace {

// Adds to *conflicts the batch position of each duplicate whose content
// differs from the event stored under its id. `twins` holds (stored seq,
// batch position) pairs; sorted by seq, a re-import reads each block once.
Status find_conflicts(const detail::Instance& rocks, std::span<const EventView> events,
                      std::vector<std::pair<uint64_t, size_t>>* twins, std::vector<size_t>* conflicts) {
  if (twins->empty()) return Status::ok_status();
  std::sort(twins->begin(), twins->end());
  detail::BlockCursor cursor(rocks);
  for (const auto& [seq, i] : *twins) {
    EventView stored;
    if (Status s = cursor.find(seq, &stored); !s.ok()) {
      return s.with_context(fmt::format("the stored twin of event_id {:?}", events[i].event_id));
    }
    if (!detail::same_content(stored, events[i])) conflicts->push_back(i);
  }
  return Status::ok_status();
}

// The process whose RocksDB background threads (one pool for every store,
// made at the first open) run flushes. A child forked after that has the
// pool's bookkeeping but none of its threads: a flush it waited for would
// never come.
pid_t background_pool_pid() {
  static const pid_t pid = ::getpid();
  return pid;
}

// Makes the writer marker (layout::kWriterMarker), durable as a directory
// entry; false when it was there already (a writer is open or crashed) or
// cannot be made (RocksDB's open then fails the same way).
bool mark_writer(const std::string& path) {
  const std::string marker = (fs::path(path) / layout::kWriterMarker).string();
  const int fd = ::open(marker.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return false;
  ::close(fd);
  (void)detail::sync_directory(path);
  return true;
}

void unmark_writer(const std::string& path) { ::unlink((fs::path(path) / layout::kWriterMarker).c_str()); }

}  // namespace

Store::Impl::~Impl() {
  if (rocks_ && options.mode == StoreOptions::Mode::kReadWrite && !directory_removed() &&
      ::getpid() == background_pool_pid()) {
    // Writes its memtables to tables, so that the write-ahead log they make
    // obsolete is deleted: otherwise every later open (each reader, each
    // `streamll query`) replays the whole log into memory first. A failure
    // loses nothing (the log stays and is replayed); so does skipping it in
    // a forked child, which has no background threads to flush with.
    // Every family's flush is asked for first, then each waited for: so
    // they run on both flush threads at once. (RocksDB's Flush of several
    // families waits for each before it starts the next.)
    rocksdb::FlushOptions flush;
    flush.allow_write_stall = true;
    // A request may be refused (TryAgain while writes are stopped, which
    // these requests can cause themselves: each switches a memtable out);
    // the waiting pass below flushes that family then, and its outcome
    // decides.
    flush.wait = false;
    for (auto* family : rocks_->families) (void)rocks_->db->Flush(flush, family);
    flush.wait = true;
    for (auto* family : rocks_->families) {
      if (!rocks_->db->Flush(flush, family).ok()) unmark_at_close = false;
    }
    // The summaries are merge operands, one per append that touched a key
    // (a flush combines a key's operands, but keeps an operand): a reader
    // runs the merge operator on every key it reads, across every table.
    // Rewritten into the last level, where nothing older lies beneath, each
    // key becomes one plain value, and the next list of executions or types
    // reads values: q7 (recent failed runs, a scan of the executions table)
    // 1.11-1.33x -> 0.69-0.86x SQLite at 200k events, 0.56x at 1M. Cost:
    // a rewrite of the two families (0.7 MB per million events) at each
    // close that flushed something into them. (Compacting them as they
    // grow, from 2 tables on, cost ingest a third in some runs: the folding
    // competes with the writer.) A failure only leaves them unfolded.
    for (const layout::Family f : {layout::kExecutions, layout::kTypes}) {
      rocksdb::ColumnFamilyMetaData meta;
      rocks_->db->GetColumnFamilyMetaData(rocks_->family(f), &meta);
      if (!meta.levels.empty() && !meta.levels[0].files.empty()) {
        rocksdb::CompactRangeOptions fold;
        fold.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;  // rewritten, not moved
        (void)rocks_->db->CompactRange(fold, rocks_->family(f), nullptr, nullptr);
      }
    }
  } else {
    unmark_at_close = false;
  }
  rocks_.reset();
  // A clean close leaves no table its MANIFEST does not list.
  if (unmark_at_close) unmark_writer(path);
  if (dir_fd >= 0) ::close(dir_fd);
}


bool Store::Impl::directory_removed() const {
  struct stat st {};
  return dir_fd >= 0 && ::fstat(dir_fd, &st) == 0 && st.st_nlink == 0;
}

std::string read_identity_file(const std::string& path) {
  std::ifstream in(fs::path(path) / "IDENTITY");
  std::string id;
  std::getline(in, id);
  return id;
}

Status Store::Impl::load_state() {
  const std::shared_ptr<detail::Instance> r = rocks();
  const rocksdb::Status stored = r->db->Get(rocksdb::ReadOptions(), r->family(layout::kMeta), layout::kIdentityKey, &id);
  if (!stored.ok() && !stored.IsNotFound()) return from_rocks(stored, path);
  if (stored.IsNotFound()) {
    // A store no writer of this build has opened yet: RocksDB's identity,
    // which secondary instances (views) do not load; read the file the
    // writer made when it created the store.
    if (const rocksdb::Status s = r->db->GetDbIdentity(id); !s.ok()) return from_rocks(s, path);
    if (id.empty()) id = read_identity_file(path);
    if (id.empty()) return Status::corruption(fmt::format("{}: the store has no identity (no IDENTITY file)", path));
    if (options.mode == StoreOptions::Mode::kReadWrite) {
      rocksdb::WriteOptions wo;
      wo.sync = true;
      if (const rocksdb::Status s = r->db->Put(wo, r->family(layout::kMeta), layout::kIdentityKey, id); !s.ok()) {
        return from_rocks(s, path);
      }
    }
  }
  return load_last_seq();
}

Status Store::Impl::load_last_seq() {
  const std::shared_ptr<detail::Instance> r = rocks();
  std::unique_ptr<rocksdb::Iterator> it(r->db->NewIterator(rocksdb::ReadOptions(), r->family(layout::kBlocks)));
  it->SeekToLast();
  if (!it->status().ok()) return from_rocks(it->status(), path);
  if (!it->Valid()) {
    last_seq = 0;
    return Status::ok_status();
  }
  block::Reader last;
  if (Status s = detail::read_block(*it, &last); !s.ok()) return s.with_context(path);
  last_seq = last.first_seq() + last.count() - 1;
  return Status::ok_status();
}


namespace {

bool is_store_dir(const std::string& path) { return fs::exists(fs::path(path) / "CURRENT"); }

// What a writer changes before it deletes a write-ahead log: the edit that
// makes the log obsolete (a flush) grows the MANIFEST, and a writer's open
// starts a new MANIFEST and points CURRENT at it.
std::string manifest_state(const std::string& path) {
  std::ifstream in(fs::path(path) / "CURRENT");
  std::string manifest;
  std::getline(in, manifest);
  struct stat st {};
  if (manifest.empty() || ::stat((fs::path(path) / manifest).c_str(), &st) != 0) return manifest + " (missing)";
  return fmt::format("{} {} {} {}.{}", manifest, st.st_ino, st.st_size, st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
}

// OpenAsSecondary and TryCatchUpWithPrimary read the MANIFEST, then replay
// the write-ahead logs they find after that. A writer that flushes in
// between (its own open flushes what it recovered) records the flush in an
// edit the reader did not read, then deletes the log: what the log held is
// in neither, and RocksDB goes on without it (a log already deleted is not
// an error). The view would lack any part of what was stored, down to the
// format version of a store that was just created. So `read` is repeated
// (after `undo`) until CURRENT and the MANIFEST did not change during it,
// and a view that never got such a read fails rather than answer from part
// of the store. *state gets the MANIFEST's state of the read that held.
template <typename Read, typename Undo>
Status without_writer_interference(const std::string& path, Read&& read, Undo&& undo, std::string* state) {
  constexpr int kAttempts = 50;
  for (int attempt = 1;; ++attempt) {
    const std::string before = manifest_state(path);
    read();
    if (manifest_state(path) == before) {
      *state = before;
      return Status::ok_status();
    }
    undo();
    if (attempt == kAttempts) {
      return Status::io_error(fmt::format("{}: no consistent view: the writer changed its MANIFEST during each of "
                                          "{} reads of it; try again",
                                          path, kAttempts));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(attempt));
  }
}

// A directory holding only what a creation killed before RocksDB wrote
// CURRENT leaves behind: the info log, RocksDB's lock, identity, first
// MANIFEST and temporary files.
bool holds_only_creation_leftovers(const std::string& path) {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(path, ec)) {
    const std::string name = entry.path().filename().string();
    if (name == "LOG" || name == "LOG.old" || name == "LOCK" || name == "IDENTITY" || name == layout::kWriterMarker ||
        name.starts_with("MANIFEST-") || name.ends_with(".dbtmp")) {
      continue;
    }
    return false;
  }
  return !ec;
}

// No key in any column family: a store whose creation was cut short after
// CURRENT but before the format version (nothing else is ever written first).
bool holds_no_key(rocksdb::DB* db, const std::vector<rocksdb::ColumnFamilyHandle*>& families) {
  for (auto* family : families) {
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), family));
    it->SeekToFirst();
    if (it->Valid() || !it->status().ok()) return false;
  }
  return true;
}

// The store's format version into *version: this build's, or (writers,
// which convert them) an older one it converts.
Status check_format_version(rocksdb::DB* db, const std::string& path, bool writer, int* version) {
  std::string text;
  const rocksdb::Status s = db->Get(rocksdb::ReadOptions(), layout::kFormatVersionKey, &text);
  if (s.IsNotFound()) {
    return Status::invalid_argument(
        fmt::format("{}: a RocksDB database but not a streamll store (no format version)", path));
  }
  if (!s.ok()) return from_rocks(s, path);
  *version = layout::parse_format_version(text);
  if (*version != layout::kFormatVersion && !layout::converts_from(*version)) {
    return Status::invalid_argument(fmt::format(
        "{}: store format version {} is not readable by this build, which reads version {} (and converts {} and {})",
        path, text, layout::kFormatVersion, layout::kOldestConvertible, layout::kPrunedVersion4));
  }
  if (*version != layout::kFormatVersion && !writer) {
    return Status::invalid_argument(fmt::format(
        "{}: store format version {} was written by an older build; this one reads version {} and converts the "
        "store when it first opens it for writing. Nothing was changed: run `streamll --db {} repair` once (or any "
        "application or command that writes the store) to convert it",
        path, text, layout::kFormatVersion, path));
  }
  return Status::ok_status();
}

// A store of format version 2 has its own column families, which RocksDB
// would refuse with a message about families; say what it is instead.
Status check_not_version_2(const std::string& path) {
  std::vector<std::string> names;
  if (!rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), path, &names).ok()) return Status::ok_status();
  if (std::find(names.begin(), names.end(), "by_seq") == names.end()) return Status::ok_status();
  return Status::invalid_argument(fmt::format(
      "{}: store format version 2 is not readable by this build, which reads version {}; nothing was changed. "
      "Carry its events over with the build that wrote it: `streamll --db {} export > events.jsonl`, then "
      "with this one: `streamll --db NEW import events.jsonl` (event ids, times and data are kept)",
      path, layout::kFormatVersion, path));
}

bool holds_table_files(const std::string& path) {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(path, ec)) {
    if (entry.path().extension() == ".sst") return true;
  }
  return false;
}

// Makes a new RocksDB database with every family. DB::Open would create the
// missing families one by one, each writing and syncing an OPTIONS file;
// CreateColumnFamilies writes it once: a new store opened in 32-46 ms, now
// 18-30 (release build).
// A kill between the two steps leaves a database that lacks families, which
// the next writer's open creates (create_missing_column_families).
rocksdb::Status create_rocks(const rocksdb::DBOptions& options, const std::string& path,
                             std::vector<rocksdb::ColumnFamilyHandle*>* families, rocksdb::DB** out) {
  std::vector<rocksdb::ColumnFamilyDescriptor> all = detail::family_descriptors();
  std::vector<rocksdb::ColumnFamilyDescriptor> rest(all.begin() + 1, all.end());
  all.resize(1);  // the default family, layout::kMeta
  rocksdb::DB* db = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(options, path, all, families, &db);
  if (!s.ok()) return s;
  std::vector<rocksdb::ColumnFamilyHandle*> created;
  s = db->CreateColumnFamilies(rest, &created);
  families->insert(families->end(), created.begin(), created.end());
  if (!s.ok()) {
    for (auto* family : *families) (void)db->DestroyColumnFamilyHandle(family);
    families->clear();
    delete db;
    return s;
  }
  *out = db;
  return s;
}

Status open_writer(Store::Impl* impl) {
  const std::string& path = impl->path;
  const bool existed = is_store_dir(path);
  if (existed) {
    if (Status v = check_not_version_2(path); !v.ok()) return v;
    // A writer's open deletes every table file its MANIFEST does not list,
    // and reads nothing to decide: with a MANIFEST cut short, that is the
    // tables it forgot, events that exist nowhere else. So a writer opens
    // only a store whose unlisted tables hold nothing it lacks (what a crash
    // leaves). Costs a second replay of the write-ahead log, small after a
    // clean close (the writer flushes at close).
    if (holds_table_files(path)) {
      if (Status c = detail::check_table_files(path, detail::check_options(path), detail::reader_family_descriptors()); !c.ok()) return c;
    }
  }
  if (!existed) {
    if (!impl->options.create_if_missing) return Status::not_found(fmt::format("no store at {}", path));
    std::error_code ec;
    if (fs::exists(path, ec) && !(fs::is_directory(path, ec) && holds_only_creation_leftovers(path))) {
      return Status::invalid_argument(
          fmt::format("{} exists and is not a streamll store (not an empty directory, no CURRENT file)", path));
    }
    // The directory itself too: the info log is opened before RocksDB.
    fs::create_directories(path, ec);
    if (ec) return Status::io_error(fmt::format("cannot create {}: {}", path, ec.message()));
  }
  rocksdb::DBOptions options = detail::db_options();
  options.create_if_missing = true;
  options.create_missing_column_families = true;
  options.info_log = detail::open_info_log(path);
  // A log cut short by a crash is normal and its complete records are
  // recovered; damage inside the log is refused instead of dropping every
  // record after it (RocksDB's default, which would lose events silently).
  options.wal_recovery_mode = rocksdb::WALRecoveryMode::kTolerateCorruptedTailRecords;
  // Before RocksDB writes a table (its open flushes what it recovered).
  const bool marked = mark_writer(path);
  rocksdb::DB* raw = nullptr;
  auto rocks = std::make_shared<detail::Instance>();
  const rocksdb::Status s = existed ? rocksdb::DB::Open(options, path, detail::family_descriptors(), &rocks->families, &raw)
                                    : create_rocks(options, path, &rocks->families, &raw);
  if (!s.ok()) {
    if (marked) unmark_writer(path);
    const std::string text = s.ToString();
    // RocksDB's LOCK file is taken by another process (fcntl: EAGAIN) or by
    // another opening in this one.
    const bool other_process = text.find("While lock file") != std::string::npos &&
                               text.find("Resource temporarily unavailable") != std::string::npos;
    if (s.IsIOError() && (other_process || text.find("lock hold by current process") != std::string::npos)) {
      return Status::busy(fmt::format(
          "{} is already open for writing by another process (one writer per store; use a "
          "read-only view to read beside it)", path));
    }
    if (s.IsInvalidArgument() && text.find("Column famil") != std::string::npos) {
      return Status::invalid_argument(
          fmt::format("{}: column families differ from format version {}: {}", path, layout::kFormatVersion, text));
    }
    return detail::explain_open_failure(path, s);
  }
  rocks->db.reset(raw);
  impl->set_rocks(rocks);
  impl->unmark_at_close = true;
  // What an append_all() killed before its ingestion left (this open holds
  // the store's lock, so no other writer is using it). RocksDB's open has
  // removed the links to it that the MANIFEST does not list.
  std::error_code staging_ec;
  fs::remove_all(fs::path(path) / layout::kStagingDir, staging_ec);
  impl->dir_fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  std::string version;
  const bool versioned = raw->Get(rocksdb::ReadOptions(), layout::kFormatVersionKey, &version).ok();
  if (!existed || (!versioned && holds_no_key(raw, rocks->families))) {
    rocksdb::WriteOptions wo;
    wo.sync = true;
    const rocksdb::Status put =
        raw->Put(wo, layout::kFormatVersionKey, std::to_string(layout::kFormatVersion));
    if (!put.ok()) return from_rocks(put, path);
  }
  int format = 0;
  if (Status v = check_format_version(raw, path, /*writer=*/true, &format); !v.ok()) return v;
  if (Status s = impl->load_state(); !s.ok()) return s;
  if (format != layout::kFormatVersion) {
    if (Status s = detail::convert_indexes(*impl, format); !s.ok()) return s;
  }
  // A repair that wrote log records again, or one killed before it counted
  // the summaries again.
  std::string stale;
  if (raw->Get(rocksdb::ReadOptions(), rocks->family(layout::kMeta), layout::kExecutionsStaleKey, &stale).ok()) {
    if (Status s = detail::recount_executions(*impl); !s.ok()) return s;
  }
  // A prune killed before it counted the type registry again, or that repair.
  if (raw->Get(rocksdb::ReadOptions(), rocks->family(layout::kMeta), layout::kTypesStaleKey, &stale).ok()) {
    return detail::recount_types(*impl, nullptr);
  }
  return Status::ok_status();
}

// Opens a secondary instance of the store at `path` in a private directory
// of its own, on a MANIFEST that held still while it was read (and whose
// tables are all there).
Status open_secondary(const std::string& path, std::shared_ptr<detail::Instance>* out) {
  auto rocks = std::make_shared<detail::Instance>();
  if (Status d = detail::make_view_dir(&rocks->secondary_path); !d.ok()) return d.with_context(path);
  rocksdb::DBOptions options = detail::db_options();
  options.max_open_files = -1;  // required by secondary instances
  options.info_log = detail::open_info_log(rocks->secondary_path);
  rocksdb::Status s;
  Status tables;
  rocksdb::DB* raw = nullptr;
  const auto families = detail::reader_family_descriptors();
  const bool has_tables = holds_table_files(path);
  // The table check inside the repeated read, on the same MANIFEST as the
  // view: a writer's compaction deletes the tables it replaced only after
  // its MANIFEST edit, which a check that saw them gone is then repeated for.
  const Status stable = without_writer_interference(
      path,
      [&] {
        std::set<std::string> listed;
        tables = has_tables ? detail::check_table_files(path, detail::check_options(rocks->secondary_path), families, &listed)
                            : Status::ok_status();
        if (!tables.ok()) {
          s = rocksdb::Status::OK();
          raw = nullptr;
          return;
        }
        s = rocksdb::DB::OpenAsSecondary(options, path, rocks->secondary_path, families, &rocks->families, &raw);
        if (s.ok()) tables = detail::check_view_tables(raw, listed, path);
      },
      [&] {
        if (s.ok() && raw != nullptr) {
          for (auto* h : rocks->families) raw->DestroyColumnFamilyHandle(h);
          delete raw;
        }
        raw = nullptr;
        rocks->families.clear();
      },
      &rocks->manifest_seen);
  if (!stable.ok()) return stable;
  if (!s.ok()) return detail::explain_open_failure(path, s);
  rocks->db.reset(raw);
  if (!tables.ok()) return tables;
  *out = std::move(rocks);
  return Status::ok_status();
}

Status open_view(Store::Impl* impl) {
  const std::string& path = impl->path;
  if (!is_store_dir(path)) return Status::not_found(fmt::format("no store at {}", path));
  if (Status v = check_not_version_2(path); !v.ok()) return v;
  // Watched before the first read, so that no write after it goes unseen.
  impl->changes = std::make_unique<detail::ChangeWatch>(path);
  std::shared_ptr<detail::Instance> rocks;
  if (Status s = open_secondary(path, &rocks); !s.ok()) return s;
  impl->set_rocks(rocks);
  impl->behind = false;
  int version = 0;
  if (Status v = check_format_version(rocks->db.get(), path, /*writer=*/false, &version); !v.ok()) return v;
  return impl->load_state();
}

}  // namespace

Store::Store(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
// Background pruning stops first: it uses everything below.
Store::~Store() { impl_->retention.reset(); }

Status Store::open(const std::string& path, const StoreOptions& options, std::unique_ptr<Store>* out) {
  (void)background_pool_pid();  // fixed before RocksDB starts its threads
  auto impl = std::make_unique<Impl>();
  impl->path = path;
  impl->options = options;
  const RetentionOptions& retention = options.retention;
  if (Status r = detail::check_retention(retention, options.mode); !r.ok()) return r;
  const Status s = options.mode == StoreOptions::Mode::kReadWrite ? open_writer(impl.get())
                                                                   : open_view(impl.get());
  if (!s.ok()) return s;
  Store* store = new Store(std::move(impl));
  out->reset(store);
  if (retention.any_limit()) {
    store->impl_->retention = std::make_unique<detail::RetentionWorker>(
        retention, [store](const PruneOptions& limits, PruneReport* report) { return store->prune(limits, report); },
        store->impl_->rocks()->db->GetDBOptions().info_log);
  }
  return s;
}

bool Store::read_only() const { return impl_->options.mode == StoreOptions::Mode::kReadOnlyLive; }
const std::string& Store::path() const { return impl_->path; }
const std::string& Store::id() const { return impl_->id; }
uint64_t Store::last_seq() const { return impl_->last_seq.load(std::memory_order_acquire); }

Status Store::refresh() {
  if (!read_only()) return Status::ok_status();
  Impl& impl = *impl_;
  std::lock_guard<std::mutex> lock(impl.refresh_mutex);
  if (impl.changes->poll()) impl.behind = true;
  if (!impl.behind) return Status::ok_status();
  const std::shared_ptr<detail::Instance> rocks = impl.rocks();
  // Only new writes to the log: tailing it is enough. A catch-up across a
  // flush or compaction (the MANIFEST changed before or during it) would
  // keep memtables that overlap the new tables: a new instance instead.
  bool caught_up = false;
  if (const std::string before = manifest_state(impl.path); before == rocks->manifest_seen) {
    if (const rocksdb::Status s = rocks->db->TryCatchUpWithPrimary(); !s.ok()) return from_rocks(s, impl.path);
    caught_up = manifest_state(impl.path) == before;
  }
  if (!caught_up) {
    std::shared_ptr<detail::Instance> fresh;
    if (Status s = open_secondary(impl.path, &fresh); !s.ok()) return s;
    impl.set_rocks(std::move(fresh));
  }
  impl.behind = false;  // only once caught up: a failed refresh is tried again
  return impl.load_last_seq();
}

namespace {

// What one append_all() carries from part to part: its staged tables, the
// last seq it gave, and the events that repeat an id an earlier part staged
// (compared with their twins once those are stored).
struct Bulk {
  std::unique_ptr<detail::StagedTables> tables;
  uint64_t seq = 0;
  size_t offset = 0;  // the position of this part's first event in the whole
  EventBatch repeats;
  std::vector<std::pair<uint64_t, size_t>> repeat_twins;  // (twin's seq, index in repeats)
  std::vector<size_t> repeat_positions;                   // position in the whole, per repeat
};

// Appends `events` (their data and tags as text; trees: empty, or the same
// events with data as a tree, whose keys the type registry then reads
// without a pass over the text), validated already, under impl.append_mutex:
// written to the database, or with `bulk`, staged as a part of it.
Status append_locked(Store::Impl& impl, const std::shared_ptr<detail::Instance>& rocks,
                     std::span<const EventView> events, std::span<const Event> trees,
                     std::span<const uint8_t> fresh_ids, Bulk* bulk, AppendResult* result) {
  AppendResult& r = *result;
  if (!fresh_ids.empty() && fresh_ids.size() != events.size()) {
    return Status::invalid_argument(fmt::format("AppendOptions.fresh_ids has {} flags for {} events",
                                                fresh_ids.size(), events.size()));
  }
  if (events.empty()) return Status::ok_status();
  std::vector<uint8_t> skip(events.size(), 0);  // duplicates
  const auto fresh = [&](size_t i) { return !fresh_ids.empty() && fresh_ids[i] != 0; };

  // Dedupe against the store (one batched lookup) and within the batch, for
  // every id the caller does not vouch for.
  // In id order (positions in order among equal ids, so the first stays
  // the one kept), which RocksDB would otherwise sort through its
  // comparator: 11% of append() on ingest. Most pairs compare as the ids'
  // order prefixes alone (a sort of the ids themselves was 4% of append()).
  std::vector<std::pair<uint64_t, size_t>> by_prefix;
  for (size_t i = 0; i < events.size(); ++i) {
    if (!fresh(i)) by_prefix.emplace_back(detail::order_prefix(events[i].event_id), i);
  }
  std::sort(by_prefix.begin(), by_prefix.end(), [&](const auto& a, const auto& b) {
    if (a.first != b.first) return a.first < b.first;
    const int c = events[a.second].event_id.compare(events[b.second].event_id);
    return c != 0 ? c < 0 : a.second < b.second;
  });
  std::vector<rocksdb::Slice> ids;
  ids.reserve(by_prefix.size());
  for (const auto& [prefix, i] : by_prefix) ids.emplace_back(events[i].event_id);
  if (!ids.empty()) {
    std::vector<rocksdb::PinnableSlice> found(ids.size());
    std::vector<rocksdb::Status> statuses(ids.size());
    rocks->db->MultiGet(rocksdb::ReadOptions(), rocks->family(layout::kById), ids.size(), ids.data(), found.data(),
                        statuses.data(), /*sorted_input=*/true);
    // The (seq, position) of each duplicate of a stored event, to compare
    // their content. Equal ids are neighbours in id order, the first
    // position first: `first` is the kept one of the current id's run.
    std::vector<std::pair<uint64_t, size_t>> stored_twins;
    size_t first = 0;
    for (size_t k = 0; k < ids.size(); ++k) {
      if (!statuses[k].ok() && !statuses[k].IsNotFound()) return from_rocks(statuses[k], impl.path);
      const size_t i = by_prefix[k].second;
      if (statuses[k].ok()) {
        if (found[k].size() != 8) {
          return Status::corruption(fmt::format("{}: the by_id entry of event_id {:?} is not a seq ({} bytes)",
                                                impl.path, events[i].event_id, found[k].size()));
        }
        stored_twins.emplace_back(detail::get_be64(found[k].ToStringView()), i);
      } else if (const uint64_t staged = bulk == nullptr ? 0 : bulk->tables->staged_seq(events[i].event_id);
                 staged != 0) {
        // Its twin is in an earlier part, not stored yet: compared once it is.
        bulk->repeat_twins.emplace_back(staged, bulk->repeats.size());
        bulk->repeat_positions.push_back(bulk->offset + i);
        bulk->repeats.add(events[i]);
      } else if (k > 0 && ids[k] == ids[k - 1]) {
        if (!detail::same_content(events[first], events[i])) r.conflicts.push_back(i);
      } else {
        first = i;
        continue;
      }
      skip[i] = 1;
      ++r.duplicates;
    }
    if (Status s = find_conflicts(*rocks, events, &stored_twins, &r.conflicts); !s.ok()) {
      return s.with_context(impl.path);
    }
    std::sort(r.conflicts.begin(), r.conflicts.end());
    for (const size_t i : r.conflicts) r.conflict_ids.emplace_back(events[i].event_id);
  }

  rocksdb::WriteBatch& batch = impl.batch;
  batch.Clear();
  std::unordered_map<std::string_view, ExecutionSummary> touched;
  std::unordered_map<std::string_view, type_summary::Pending> types;
  uint64_t seq = bulk != nullptr ? bulk->seq : impl.last_seq.load(std::memory_order_relaxed);
  std::string seq_bytes;
  block::Builder& block = impl.block;
  detail::IndexEntries& index = impl.index;
  block.clear();
  // (event_id, seq) for by_id, written after the loop.
  std::vector<std::pair<std::string_view, uint64_t>> id_entries;
  id_entries.reserve(events.size());
  uint64_t block_first = 0;
  const auto put_block = [&] {
    if (block.count() == 0) return;
    batch.Put(rocks->family(layout::kBlocks), layout::seq_key(block_first), block.finish());
    block.clear();
  };
  for (size_t i = 0; i < events.size(); ++i) {
    const EventView& e = events[i];
    if (skip[i]) continue;
    EventView view = e;
    view.seq = ++seq;
    if (block.count() == 0) block_first = view.seq;
    block.add(view);
    if (block.full()) put_block();

    index.add(e.execution_id, e.timestamp, view.seq);
    id_entries.emplace_back(e.event_id, view.seq);

    const ExecutionSummary one = execution_summary::of_event(e.timestamp, e.event_type);
    auto [it, inserted] = touched.try_emplace(e.execution_id, one);
    if (!inserted) execution_summary::combine(one, &it->second);
    // The keys of data: from its tree when there is one (no pass over the text).
    if (trees.empty()) {
      types[e.event_type].add(e.timestamp, e.data_json);
    } else {
      types[e.event_type].add(e.timestamp, trees[i].data);
    }
    if (r.first_seq == 0) r.first_seq = view.seq;
    r.last_seq = view.seq;
    ++r.appended;
  }
  put_block();
  index.write(rocks->family(layout::kByExecution), rocks->family(layout::kByTime), &batch);
  for (const auto& [id, q] : id_entries) {
    seq_bytes.clear();
    detail::put_be64(q, &seq_bytes);
    batch.Put(rocks->family(layout::kById), id, seq_bytes);
  }
  std::string operand;
  for (const auto& [execution_id, s] : touched) {
    operand.clear();
    execution_summary::encode(s, &operand);
    batch.Merge(rocks->family(layout::kExecutions), execution_id, operand);
  }
  for (const auto& [event_type, pending] : types) {
    operand.clear();
    type_summary::encode(pending, &operand);
    batch.Merge(rocks->family(layout::kTypes), event_type, operand);
  }
  if (r.appended == 0) return Status::ok_status();
  if (bulk != nullptr) {
    if (Status s = bulk->tables->stage(batch); !s.ok()) {
      r = AppendResult{};
      return s;
    }
    bulk->seq = seq;
    return Status::ok_status();
  }

  if (impl.directory_removed()) {
    r = AppendResult{};
    return Status::io_error(fmt::format(
        "{}: the store directory was removed while the store was open; nothing more can be stored "
        "there (open the store again to start a new one)", impl.path));
  }
  rocksdb::WriteOptions wo;
  wo.sync = impl.options.sync;
  const rocksdb::Status s = rocks->db->Write(wo, &batch);
  if (!s.ok()) {
    r = AppendResult{};
    return from_rocks(s, impl.path);
  }
  impl.last_seq.store(seq, std::memory_order_release);
  return Status::ok_status();
}

}  // namespace

Status Store::append(std::span<const Event> events, AppendResult* result, const AppendOptions& options) {
  AppendResult local;
  AppendResult& r = result != nullptr ? *result : local;
  r = AppendResult{};
  if (read_only()) return Status::not_supported(fmt::format("{} is open as a read-only view", impl_->path));
  if (!options.encoded.empty() && options.encoded.size() != events.size()) {
    return Status::invalid_argument(fmt::format("AppendOptions.encoded has {} views for {} events",
                                                options.encoded.size(), events.size()));
  }
  for (size_t i = 0; i < events.size() && !options.validated; ++i) {
    if (Status s = validate_event(events[i]); !s.ok()) {
      return s.with_context(fmt::format("event {} of the batch", i));
    }
  }
  // Each event's data and tags as text: given, or encoded here once.
  if (options.encoded.empty()) {
    EventBatch encoded;
    for (const Event& e : events) encoded.add(e);
    std::lock_guard<std::mutex> lock(impl_->append_mutex);
    return append_locked(*impl_, impl_->rocks(), encoded.views(), events, options.fresh_ids, nullptr, &r);
  }
  std::vector<EventView> views(events.size());
  for (size_t i = 0; i < events.size(); ++i) {
    views[i] = detail::view_without_text(events[i]);
    views[i].data_json = options.encoded[i].data_json;
    views[i].tags_json = options.encoded[i].tags_json;
  }
  std::lock_guard<std::mutex> lock(impl_->append_mutex);
  return append_locked(*impl_, impl_->rocks(), views, events, options.fresh_ids, nullptr, &r);
}

Status Store::append(std::span<const EventView> events, AppendResult* result, const AppendOptions& options) {
  AppendResult local;
  AppendResult& r = result != nullptr ? *result : local;
  r = AppendResult{};
  if (read_only()) return Status::not_supported(fmt::format("{} is open as a read-only view", impl_->path));
  if (!options.encoded.empty()) {
    return Status::invalid_argument("AppendOptions.encoded is for events given as Event; these are encoded already");
  }
  for (size_t i = 0; i < events.size() && !options.validated; ++i) {
    if (Status s = detail::validate_view(events[i]); !s.ok()) {
      return s.with_context(fmt::format("event {} of the batch", i));
    }
  }
  std::lock_guard<std::mutex> lock(impl_->append_mutex);
  return append_locked(*impl_, impl_->rocks(), events, {}, options.fresh_ids, nullptr, &r);
}

Status Store::append_all(const EventSource& source, AppendResult* result, const AppendOptions& options) {
  AppendResult local;
  AppendResult& r = result != nullptr ? *result : local;
  r = AppendResult{};
  if (read_only()) return Status::not_supported(fmt::format("{} is open as a read-only view", impl_->path));
  if (!options.encoded.empty() || !options.fresh_ids.empty()) {
    return Status::invalid_argument("append_all takes neither AppendOptions.encoded nor AppendOptions.fresh_ids");
  }
  std::lock_guard<std::mutex> lock(impl_->append_mutex);
  const std::shared_ptr<detail::Instance> rocks = impl_->rocks();
  Bulk bulk;
  if (Status s = detail::StagedTables::make(impl_->path, rocks.get(), &bulk.tables); !s.ok()) return s;
  bulk.seq = impl_->last_seq.load(std::memory_order_relaxed);
  AppendResult total;
  std::vector<std::pair<size_t, std::string>> conflicts;  // (position, event_id)
  for (;;) {
    std::span<const EventView> part;
    if (Status s = source(&part); !s.ok()) return s;
    if (part.empty()) break;
    for (size_t i = 0; i < part.size() && !options.validated; ++i) {
      if (Status s = detail::validate_view(part[i]); !s.ok()) {
        return s.with_context(fmt::format("event {} of the whole", bulk.offset + i));
      }
    }
    AppendResult one;
    if (Status s = append_locked(*impl_, rocks, part, {}, {}, &bulk, &one); !s.ok()) {
      return s.with_context(fmt::format("after {} events", bulk.offset));
    }
    if (total.first_seq == 0) total.first_seq = one.first_seq;
    if (one.last_seq != 0) total.last_seq = one.last_seq;
    total.appended += one.appended;
    total.duplicates += one.duplicates;
    for (size_t k = 0; k < one.conflicts.size(); ++k) {
      conflicts.emplace_back(bulk.offset + one.conflicts[k], std::move(one.conflict_ids[k]));
    }
    bulk.offset += part.size();
  }
  if (total.appended > 0) {
    if (impl_->directory_removed()) {
      return Status::io_error(fmt::format(
          "{}: the store directory was removed while the store was open; nothing more can be stored "
          "there (open the store again to start a new one)", impl_->path));
    }
    if (Status s = bulk.tables->ingest(); !s.ok()) return s.with_context(impl_->path);
    impl_->last_seq.store(bulk.seq, std::memory_order_release);
  }
  // The repeats of ids an earlier part staged, now that their twins are stored.
  std::vector<size_t> differ;
  if (Status s = find_conflicts(*rocks, bulk.repeats.views(), &bulk.repeat_twins, &differ); !s.ok()) {
    return s.with_context(impl_->path);
  }
  for (const size_t k : differ) {
    conflicts.emplace_back(bulk.repeat_positions[k], std::string(bulk.repeats.views()[k].event_id));
  }
  std::sort(conflicts.begin(), conflicts.end());
  for (auto& [position, id] : conflicts) {
    total.conflicts.push_back(position);
    total.conflict_ids.push_back(std::move(id));
  }
  r = std::move(total);
  return Status::ok_status();
}

Status Store::recover() {
  if (read_only()) return Status::ok_status();
  std::lock_guard<std::mutex> lock(impl_->append_mutex);
  if (impl_->directory_removed()) {
    return Status::io_error(fmt::format("{}: the store directory was removed while the store was open", impl_->path));
  }
  return from_rocks(impl_->rocks()->db->Resume(), impl_->path);
}

Status Store::get(std::string_view event_id, Event* out) const {
  // lookup() reads the index entry and the event's block, and words any
  // damage it finds; get() adds the JSON parse.
  const std::unique_ptr<EventIterator> it = lookup(event_id);
  if (!it->valid()) {
    if (!it->status().ok()) return it->status().with_context(impl_->path);
    return Status::not_found(fmt::format("no event with event_id {:?}", event_id));
  }
  return to_event(it->view(), out);
}

std::unique_ptr<EventIterator> Store::lookup(std::string_view event_id) const {
  return detail::make_id_iterator(impl_->rocks(), event_id);
}

std::unique_ptr<EventIterator> Store::scan_execution(std::string_view execution_id, TimeRange range,
                                                     ScanOrder order) const {
  if (execution_id.find('\0') != std::string_view::npos || range.empty()) {
    return detail::make_empty_iterator(Status::ok_status());
  }
  return detail::make_packed_iterator(impl_->rocks(), layout::kByExecution, layout::execution_lower_bound(execution_id),
                                      layout::execution_upper_bound(execution_id), range, order);
}

std::unique_ptr<EventIterator> Store::scan_time(TimeRange range, ScanOrder order) const {
  if (range.empty()) return detail::make_empty_iterator(Status::ok_status());
  return detail::make_packed_iterator(impl_->rocks(), layout::kByTime, layout::time_lower_bound(range),
                                      layout::time_upper_bound(range), range, order);
}

std::unique_ptr<EventIterator> Store::scan_time_keys(TimeRange range, ScanOrder order) const {
  if (range.empty()) return detail::make_empty_iterator(Status::ok_status());
  return detail::make_packed_iterator(impl_->rocks(), layout::kByTime, layout::time_lower_bound(range),
                                      layout::time_upper_bound(range), range, order, /*keys_only=*/true);
}

std::unique_ptr<EventIterator> Store::scan_arrival(uint64_t after_seq) const {
  if (after_seq == UINT64_MAX) return detail::make_empty_iterator(Status::ok_status());
  return detail::make_arrival_iterator(impl_->rocks(), after_seq,
                                       ScanOrder::kOldestFirst);
}

std::unique_ptr<EventIterator> Store::scan_arrival_reverse(uint64_t last_seq) const {
  return detail::make_arrival_iterator(impl_->rocks(), last_seq,
                                       ScanOrder::kNewestFirst);
}

std::unique_ptr<EventIterator> Store::scan_all() const { return scan_arrival(0); }

bool EventFilter::matches(const EventView& e) const {
  return range.contains(e.timestamp) && event_type.matches(e.event_type) &&
         (execution_id.empty() || e.execution_id == execution_id);
}

std::unique_ptr<EventIterator> Store::scan(const EventFilter& filter) const {
  auto inner = filter.execution_id.empty() ? scan_time(filter.range)
                                           : scan_execution(filter.execution_id, filter.range);
  if (filter.event_type.matches_all()) return inner;
  return detail::make_filter_iterator(std::move(inner), filter);
}

Status Store::list_executions(std::vector<ExecutionSummary>* out) const {
  out->clear();
  const std::shared_ptr<detail::Instance> rocks = impl_->rocks();
  std::unique_ptr<rocksdb::Iterator> it(rocks->db->NewIterator(rocksdb::ReadOptions(), rocks->family(layout::kExecutions)));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    ExecutionSummary s;
    if (!execution_summary::decode(std::string_view(it->value().data(), it->value().size()), &s)) {
      return Status::corruption(fmt::format("summary of execution '{}' is malformed", it->key().ToString()));
    }
    s.execution_id = it->key().ToString();
    out->push_back(std::move(s));
  }
  return from_rocks(it->status(), impl_->path);
}

Status Store::get_execution(std::string_view execution_id, ExecutionSummary* out) const {
  std::string bytes;
  const std::shared_ptr<detail::Instance> rocks = impl_->rocks();
  const rocksdb::Status s = rocks->db->Get(rocksdb::ReadOptions(), rocks->family(layout::kExecutions), execution_id, &bytes);
  if (s.IsNotFound()) return Status::not_found(fmt::format("no execution '{}'", execution_id));
  if (!s.ok()) return from_rocks(s, impl_->path);
  if (!execution_summary::decode(bytes, out)) {
    return Status::corruption(fmt::format("summary of execution '{}' is malformed", execution_id));
  }
  out->execution_id = std::string(execution_id);
  return Status::ok_status();
}

Status Store::list_event_types(std::vector<EventTypeSummary>* out) const {
  out->clear();
  const std::shared_ptr<detail::Instance> rocks = impl_->rocks();
  std::unique_ptr<rocksdb::Iterator> it(rocks->db->NewIterator(rocksdb::ReadOptions(), rocks->family(layout::kTypes)));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    EventTypeSummary s;
    if (Status d = type_summary::decode(std::string_view(it->value().data(), it->value().size()), &s); !d.ok()) {
      return d.with_context(fmt::format("event type '{}'", it->key().ToString()));
    }
    s.event_type = it->key().ToString();
    out->push_back(std::move(s));
  }
  return from_rocks(it->status(), impl_->path);
}

}  // namespace streamll

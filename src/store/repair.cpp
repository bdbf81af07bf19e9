// Store::repair(): a new MANIFEST for a store whose own is damaged, or whose
// write-ahead log has a damaged record, built by RocksDB's repairer from the
// table files and the readable records of the logs on disk.
#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include <fmt/format.h>
#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include "common/files.hpp"
#include "store/info_log.hpp"
#include "store/layout.hpp"
#include "store/rocks_options.hpp"
#include "store/rocks_status.hpp"
#include "store/store_impl.hpp"
#include "store/table_files.hpp"
#include "store/wal_check.hpp"
#include "streamll/store.hpp"

namespace fs = std::filesystem;

namespace streamll {

namespace {

std::set<std::string> files_in(const fs::path& dir) {
  std::set<std::string> out;
  std::error_code ec;
  for (const auto& entry : fs::recursive_directory_iterator(dir, ec)) {
    if (entry.is_regular_file(ec)) out.insert(fs::relative(entry.path(), dir, ec).string());
  }
  return out;
}

// `name` in `dir`, or NAME.1, NAME.2... when it is taken.
fs::path free_name(const fs::path& dir, const std::string& name) {
  fs::path p = dir / name;
  std::error_code ec;
  for (int i = 1; fs::exists(p, ec); ++i) p = dir / fmt::format("{}.{}", name, i);
  return p;
}

// Copies (or moves) every write-ahead log of the store to lost/, under a
// free name; *names gets the names there.
Status logs_to_lost(const std::string& path, bool move, std::vector<std::string>* names) {
  const fs::path lost = fs::path(path) / "lost";
  std::error_code ec;
  fs::create_directories(lost, ec);
  if (ec) return Status::io_error(fmt::format("cannot create {}: {}", lost.string(), ec.message()));
  for (const auto& entry : fs::directory_iterator(path, ec)) {
    if (entry.path().extension() != ".log") continue;
    const fs::path to = free_name(lost, entry.path().filename().string());
    if (move) {
      fs::rename(entry.path(), to, ec);
    } else {
      fs::copy_file(entry.path(), to, ec);
    }
    if (ec) {
      return Status::io_error(fmt::format("cannot {} {} to {}: {}; nothing was changed", move ? "move" : "copy",
                                          entry.path().string(), to.string(), ec.message()));
    }
    if (names != nullptr) names->push_back(to.filename().string());
  }
  (void)detail::sync_directory(lost);
  if (move) (void)detail::sync_directory(path);
  return Status::ok_status();
}

// A store whose MANIFEST and tables are sound but whose write-ahead log has
// a damaged record: a copy of every log goes to lost/, then one open that
// stops at the damage (point-in-time recovery) reads every record before it
// (each an append, whole) into tables, as a writer's open does, and the whole
// records after the damage are written again, each as the one batch it was.
// That open fails when a family's tables hold writes from past the damage,
// so none of the records after it is in a table yet: writing them again
// counts no summary twice. (RocksDB's own skipping of damaged records
// refuses these logs, "Write batch content corrupted", and its repairer drops
// the log records of every family that has no table yet.)
Status salvage_logs(const std::string& path, const std::vector<rocksdb::ColumnFamilyDescriptor>& families,
                    RepairReport* r) {
  // Read before anything changes: the open below retires these logs.
  detail::WalScan scan = detail::scan_wal(path, detail::WalKeep::kAfterDamage);
  if (Status s = logs_to_lost(path, false, &r->set_aside); !s.ok()) return s;
  const fs::path lost = fs::path(path) / "lost";
  rocksdb::DBOptions options = detail::db_options();
  options.info_log = detail::open_info_log(path);
  options.wal_recovery_mode = rocksdb::WALRecoveryMode::kPointInTimeRecovery;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(options, path, families, &handles, &raw);
  if (!s.ok()) {
    if (s.IsIOError() && s.ToString().find("lock") != std::string::npos) {
      return Status::busy(fmt::format("{} is open for writing by another process: repair needs it closed", path));
    }
    return detail::from_rocks(s, fmt::format("{}: reading the logs up to their damage", path));
  }
  for (std::string& record : scan.records) {
    rocksdb::WriteBatch batch(std::move(record));
    s = raw->Write(rocksdb::WriteOptions(), &batch);
    if (!s.ok()) break;
    ++r->kept_after_damage;
  }
  // What the open recovered is in tables once it returns; flush the records
  // written after it, and anything the open kept in memory, before the close.
  if (s.ok()) s = raw->Flush(rocksdb::FlushOptions(), handles);
  for (auto* h : handles) raw->DestroyColumnFamilyHandle(h);
  delete raw;
  if (!s.ok()) {
    return detail::from_rocks(s, fmt::format("{}: writing the records after the damage (record {} of {}; the logs are "
                                             "in {} as they were)",
                                             path, r->kept_after_damage + 1, scan.records.size(), lost.string()));
  }
  r->repaired = true;
  return detail::check_table_files(path, detail::check_options(path), families);
}

// The store's families by the ids its logs name them with: the id each of
// their tables records (RocksDB writes it into the table's properties) and,
// for a family no table names, its place in family_descriptors(), the order
// a store's first open creates them in. With the largest seqno each
// family's tables hold: its log entries up to there are in them.
struct Families {
  std::map<uint32_t, size_t> index_of_id;
  std::vector<uint64_t> largest_seq;
};

Status map_families(rocksdb::DB* db, const std::vector<rocksdb::ColumnFamilyHandle*>& handles,
                    const std::string& path, Families* out) {
  out->largest_seq.assign(handles.size(), 0);
  std::vector<rocksdb::LiveFileMetaData> files;
  db->GetLiveFilesMetaData(&files);
  std::vector<bool> named(handles.size(), false);
  for (size_t i = 0; i < handles.size(); ++i) {
    for (const auto& f : files) {
      if (f.column_family_name == handles[i]->GetName()) {
        out->largest_seq[i] = std::max<uint64_t>(out->largest_seq[i], f.largest_seqno);
      }
    }
    rocksdb::TablePropertiesCollection tables;
    const rocksdb::Status s = db->GetPropertiesOfAllTables(handles[i], &tables);
    if (!s.ok()) return detail::from_rocks(s, fmt::format("{}: reading the table properties of the repaired store", path));
    for (const auto& [name, props] : tables) {
      out->index_of_id[static_cast<uint32_t>(props->column_family_id)] = i;
      named[i] = true;
    }
  }
  for (size_t i = 0; i < handles.size(); ++i) {
    if (!named[i]) out->index_of_id.try_emplace(static_cast<uint32_t>(i), i);
  }
  return Status::ok_status();
}

// Copies the entries of one log record (a write batch) that the tables do
// not hold into a new batch for the repaired store: those above their
// family's largest table seqno. Each entry of a batch has the seqno after
// the one before it, the first the record's.
class Replayer : public rocksdb::WriteBatch::Handler {
 public:
  Replayer(const Families& families, const std::vector<rocksdb::ColumnFamilyHandle*>& handles, uint64_t first_seq,
           rocksdb::WriteBatch* out)
      : families_(families), handles_(handles), seq_(first_seq), out_(out) {}

  rocksdb::Status PutCF(uint32_t id, const rocksdb::Slice& key, const rocksdb::Slice& value) override {
    if (auto* h = keep(id)) return out_->Put(h, key, value);
    return rocksdb::Status::OK();
  }
  rocksdb::Status DeleteCF(uint32_t id, const rocksdb::Slice& key) override {
    if (auto* h = keep(id)) return out_->Delete(h, key);
    return rocksdb::Status::OK();
  }
  rocksdb::Status SingleDeleteCF(uint32_t id, const rocksdb::Slice& key) override {
    if (auto* h = keep(id)) return out_->SingleDelete(h, key);
    return rocksdb::Status::OK();
  }
  rocksdb::Status DeleteRangeCF(uint32_t id, const rocksdb::Slice& begin, const rocksdb::Slice& end) override {
    if (auto* h = keep(id)) return out_->DeleteRange(h, begin, end);
    return rocksdb::Status::OK();
  }
  rocksdb::Status MergeCF(uint32_t id, const rocksdb::Slice& key, const rocksdb::Slice& value) override {
    if (auto* h = keep(id)) return out_->Merge(h, key, value);
    return rocksdb::Status::OK();
  }

  uint64_t unplaced() const { return unplaced_; }

 private:
  rocksdb::ColumnFamilyHandle* keep(uint32_t id) {
    const uint64_t seq = seq_++;
    const auto found = families_.index_of_id.find(id);
    if (found == families_.index_of_id.end()) {
      ++unplaced_;
      return nullptr;
    }
    return seq > families_.largest_seq[found->second] ? handles_[found->second] : nullptr;
  }

  const Families& families_;
  const std::vector<rocksdb::ColumnFamilyHandle*>& handles_;
  uint64_t seq_;
  rocksdb::WriteBatch* out_;
  uint64_t unplaced_ = 0;
};

// Writes again, over the tables of a rebuilt MANIFEST, what the log records
// hold and the tables do not, each record as the one batch it was. The
// tables may hold some of the summary merges already (their seqnos can be
// zeroed by compaction), so the summaries are marked to be counted again,
// before the first record, by the next writer's open.
Status replay_logs(rocksdb::DB* db, const std::vector<rocksdb::ColumnFamilyHandle*>& handles,
                   std::vector<std::string>* records, const std::string& path, RepairReport* r) {
  if (records->empty()) return Status::ok_status();
  Families families;
  if (Status s = map_families(db, handles, path, &families); !s.ok()) return s;
  rocksdb::WriteOptions wo;
  wo.sync = true;
  rocksdb::WriteBatch stale;
  stale.Put(handles[layout::kMeta], layout::kExecutionsStaleKey, "");
  stale.Put(handles[layout::kMeta], layout::kTypesStaleKey, "");
  if (rocksdb::Status s = db->Write(wo, &stale); !s.ok()) return detail::from_rocks(s, path);
  for (std::string& record : *records) {
    if (record.size() < 12) continue;  // no header: nothing RocksDB would replay
    const auto* p = reinterpret_cast<const unsigned char*>(record.data());
    uint64_t first_seq = 0;
    for (int i = 7; i >= 0; --i) first_seq = first_seq << 8 | p[i];  // fixed64, little-endian
    const rocksdb::WriteBatch in(std::move(record));
    rocksdb::WriteBatch out;
    Replayer replayer(families, handles, first_seq, &out);
    if (rocksdb::Status s = in.Iterate(&replayer); !s.ok()) {
      return detail::from_rocks(s, fmt::format("{}: reading log record {} again (the logs are in {}/lost)", path,
                                               r->log_records_replayed + 1, path));
    }
    r->log_entries_unplaced += replayer.unplaced();
    if (out.Count() == 0) continue;
    if (rocksdb::Status s = db->Write(rocksdb::WriteOptions(), &out); !s.ok()) return detail::from_rocks(s, path);
    ++r->log_records_replayed;
  }
  records->clear();
  const rocksdb::Status s = db->Flush(rocksdb::FlushOptions(), handles);
  return detail::from_rocks(s, path);
}

}  // namespace

namespace {

// A sound store of format version 3 or 4: a writer's open converts it (what
// a view of it asks for). Others are left as they are.
Status convert_if_older(const std::string& path, const std::vector<rocksdb::ColumnFamilyDescriptor>& families,
                        RepairReport* r) {
  std::string version;
  {
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* raw = nullptr;
    const rocksdb::Status s = rocksdb::DB::OpenForReadOnly(detail::check_options(path), path, families, &handles, &raw);
    if (!s.ok()) return detail::explain_open_failure(path, s);
    (void)raw->Get(rocksdb::ReadOptions(), handles[layout::kMeta], layout::kFormatVersionKey, &version);
    for (auto* h : handles) raw->DestroyColumnFamilyHandle(h);
    delete raw;
  }
  const int from = layout::parse_format_version(version);
  if (!layout::converts_from(from)) return Status::ok_status();
  std::unique_ptr<Store> store;
  if (Status o = Store::open(path, StoreOptions{}, &store); !o.ok()) {
    return o.with_context(fmt::format("{}: converting it from format version {}", path, from));
  }
  r->converted_from = from;
  return Status::ok_status();
}

}  // namespace

Status Store::repair(const std::string& path, RepairReport* report, bool set_aside_unreadable) {
  RepairReport local;
  RepairReport& r = report != nullptr ? *report : local;
  r = RepairReport{};
  if (!fs::exists(fs::path(path) / "CURRENT") && !fs::exists(fs::path(path) / "IDENTITY")) {
    return Status::not_found(fmt::format("no store at {}", path));
  }
  const auto families = detail::family_descriptors();
  const Status check = detail::check_table_files(path, detail::check_options(path), families);
  if (check.ok()) {
    r.damage = detail::describe_wal_damage(path);
    if (r.damage.empty()) return convert_if_older(path, families, &r);
    r.log_damage = true;
    return salvage_logs(path, families, &r);
  }
  r.damage = check.message();
  if (!set_aside_unreadable) {
    if (const std::string bad = detail::first_unreadable_table(path); !bad.empty()) {
      return Status::corruption(fmt::format(
          "{}: table file {}, so a repaired store would lack its events; nothing was changed "
          "(repair --set-aside-unreadable goes on without it, keeping it in {}/lost)",
          path, bad, path));
    }
  }
  const fs::path lost = fs::path(path) / "lost";
  const std::set<std::string> before = files_in(lost);
  rocksdb::DBOptions options = detail::db_options();
  options.info_log = detail::open_info_log(path);
  // The repairer gives the database a new identity; the store keeps its own
  // (replication checkpoints are kept per identity): the key in its tables,
  // or for a store no writer of this build opened, what IDENTITY held.
  const std::string identity = read_identity_file(path);
  // The logs' records, read before the repairer sees them: it would write
  // again only the entries of families that have a table, and of a batch
  // only those before the first entry of one that has none. They are written
  // again below, whole; the logs move to lost/ as they are.
  detail::WalScan logs = detail::scan_wal(path, detail::WalKeep::kEverything);
  if (Status moved = logs_to_lost(path, true, nullptr); !moved.ok()) return moved;
  rocksdb::Status s = rocksdb::RepairDB(path, options, families);
  for (const std::string& name : files_in(lost)) {
    if (!before.contains(name)) r.set_aside.push_back(name);
  }
  if (!s.ok()) {
    const std::string text = s.ToString();
    if (s.IsIOError() && text.find("lock") != std::string::npos) {
      return Status::busy(fmt::format("{} is open for writing by another process: repair needs it closed", path));
    }
    return detail::from_rocks(s, fmt::format("{}: repair failed", path));
  }
  r.repaired = true;
  // The new MANIFEST has only the families it found tables of: add the rest
  // (empty), as a writer's open would.
  options.create_missing_column_families = true;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  s = rocksdb::DB::Open(options, path, families, &handles, &raw);
  if (!s.ok()) return detail::from_rocks(s, fmt::format("{}: reopening the repaired store", path));
  std::string stored;
  if (!identity.empty() &&
      raw->Get(rocksdb::ReadOptions(), handles[layout::kMeta], layout::kIdentityKey, &stored).IsNotFound()) {
    rocksdb::WriteOptions wo;
    wo.sync = true;
    s = raw->Put(wo, handles[layout::kMeta], layout::kIdentityKey, identity);
  }
  Status replayed = s.ok() ? replay_logs(raw, handles, &logs.records, path, &r)
                           : detail::from_rocks(s, fmt::format("{}: keeping the store's identity", path));
  for (auto* h : handles) raw->DestroyColumnFamilyHandle(h);
  delete raw;
  if (!replayed.ok()) return replayed;
  if (r.log_records_replayed > 0) {
    // A writer's open counts the summaries again.
    std::unique_ptr<Store> store;
    if (Status o = Store::open(path, StoreOptions{}, &store); !o.ok()) {
      return o.with_context(fmt::format("{}: counting the summaries again", path));
    }
  }
  // What every open checks must now hold.
  return detail::check_table_files(path, detail::check_options(path), families);
}

}  // namespace streamll

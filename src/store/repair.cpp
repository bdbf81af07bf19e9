// Store::repair(): a new MANIFEST for a store whose own is damaged, or whose
// write-ahead log has a damaged record, built by RocksDB's repairer from the
// table files and the readable records of the logs on disk.
#include <filesystem>
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
  detail::WalScan scan = detail::scan_wal(path, true);
  const fs::path lost = fs::path(path) / "lost";
  std::error_code ec;
  fs::create_directories(lost, ec);
  if (ec) return Status::io_error(fmt::format("cannot create {}: {}", lost.string(), ec.message()));
  for (const auto& entry : fs::directory_iterator(path, ec)) {
    if (entry.path().extension() != ".log") continue;
    const fs::path copy = free_name(lost, entry.path().filename().string());
    if (!fs::copy_file(entry.path(), copy, ec) || ec) {
      return Status::io_error(fmt::format("cannot copy {} to {}: {}; nothing was changed", entry.path().string(),
                                          copy.string(), ec.message()));
    }
    r->set_aside.push_back(copy.filename().string());
  }
  (void)detail::sync_directory(lost);
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
  for (std::string& record : scan.after) {
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
                                             path, r->kept_after_damage + 1, scan.after.size(), lost.string()));
  }
  r->repaired = true;
  return detail::check_table_files(path, detail::check_options(path), families);
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
    if (r.damage.empty()) return Status::ok_status();
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
  for (auto* h : handles) raw->DestroyColumnFamilyHandle(h);
  delete raw;
  if (!s.ok()) return detail::from_rocks(s, fmt::format("{}: keeping the store's identity", path));
  // What every open checks must now hold.
  return detail::check_table_files(path, detail::check_options(path), families);
}

}  // namespace streamll

// Store::repair(): a new MANIFEST for a store whose own is damaged, built by
// RocksDB's repairer from the table files and logs on disk.
#include <filesystem>
#include <set>

#include <fmt/format.h>
#include <rocksdb/db.h>

#include "store/info_log.hpp"
#include "store/layout.hpp"
#include "store/rocks_options.hpp"
#include "store/rocks_status.hpp"
#include "store/table_files.hpp"
#include "store/store_impl.hpp"
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
  if (check.ok()) return Status::ok_status();
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

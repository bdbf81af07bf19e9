#include "store/table_files.hpp"

#include <filesystem>
#include <map>
#include <memory>

#include <sys/stat.h>

#include <fmt/format.h>
#include <rocksdb/sst_file_reader.h>

#include "common/coding.hpp"
#include "store/block.hpp"
#include "store/iterators.hpp"
#include "store/layout.hpp"
#include "store/postings.hpp"
#include "store/rocks_status.hpp"
#include "store/wal_check.hpp"

namespace fs = std::filesystem;

namespace streamll::detail {

namespace {

std::vector<rocksdb::LiveFileMetaData> live_tables(rocksdb::DB* db) {
  std::vector<rocksdb::LiveFileMetaData> live;
  db->GetLiveFilesMetaData(&live);
  return live;
}

std::string human_size(uint64_t bytes) {
  if (bytes < 1'000'000) return fmt::format("{:.1f} KB", static_cast<double>(bytes) / 1e3);
  return fmt::format("{:.1f} MB", static_cast<double>(bytes) / 1e6);
}

// What a pruned store (format version 4) may have removed since a crashed
// writer made a table: prune deletes keys and rewrites blocks, so a
// leftover's key the store lacks is accepted when its event had a seq the
// store has given (the event was there, then pruned), and a leftover block
// may differ from the store's.
struct Pruned {
  bool pruned = false;
  uint64_t last_seq = 0;  // the store's last seq: its newest block's last
};

Pruned pruned_state(rocksdb::DB* db, const std::vector<rocksdb::ColumnFamilyHandle*>& handles) {
  Pruned out;
  std::string version;
  out.pruned = (db->Get(rocksdb::ReadOptions(), handles[layout::kMeta], layout::kFormatVersionKey, &version).ok() &&
                version == std::to_string(layout::kPrunedVersion4)) ||
               db->Get(rocksdb::ReadOptions(), handles[layout::kMeta], layout::kPrunedKey, &version).ok();
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), handles[layout::kBlocks]));
  it->SeekToLast();
  if (it->Valid() && it->key().size() == 8) {
    // The newest block's last seq; a block that does not parse is bounded
    // by the most a block holds.
    block::Reader newest;
    out.last_seq = read_block(*it, &newest).ok() ? newest.first_seq() + newest.count() - 1
                                                 : detail::get_be64(std::string_view(it->key().data(), 8)) + block::kMaxEvents;
  }
  return out;
}

// The seq a key or value of `family` names (0 when it names none).
uint64_t seq_named(size_t family, const rocksdb::Slice& key, const rocksdb::Slice& value) {
  const std::string_view k(key.data(), key.size());
  switch (family) {
    case layout::kBlocks: return k.size() == 8 ? detail::get_be64(k) : 0;
    case layout::kByExecution:
    case layout::kByTime:
      // Version 3 and 4 keys end in their event's seq; packed entries hold theirs.
      return value.empty() ? layout::seq_of_index_key(k) : postings::max_seq(std::string_view(value.data(), value.size()));
    case layout::kById: return value.size() == 8 ? detail::get_be64(std::string_view(value.data(), 8)) : 0;
    default: return 1;  // summaries: removed with their executions or types
  }
}

// What an unlisted table holds that `db` does not: the first such key, as
// "family 'f', key \"...\"", or empty when `db` has every key (or the file is
// not a complete table); in a pruned store, one `pruned` accounts for is not
// counted.
std::string first_key_not_in(rocksdb::DB* db, const std::vector<rocksdb::ColumnFamilyHandle*>& handles,
                             const std::vector<rocksdb::ColumnFamilyDescriptor>& families, const std::string& file,
                             const Pruned& pruned) {
  std::string family_name;
  {
    rocksdb::SstFileReader probe{rocksdb::Options()};
    if (!probe.Open(file).ok()) return {};
    family_name = probe.GetTableProperties()->column_family_name;
  }
  size_t f = 0;
  while (f < families.size() && families[f].name != family_name) ++f;
  if (f == families.size()) return fmt::format("family '{}', which this store does not have", family_name);
  rocksdb::SstFileReader reader{rocksdb::Options(rocksdb::DBOptions(), families[f].options)};
  if (!reader.Open(file).ok()) return {};
  rocksdb::ReadOptions ro;
  ro.fill_cache = false;
  std::unique_ptr<rocksdb::Iterator> it(reader.NewIterator(ro));
  // Keys written once: a crash's leftover holds the very value the store has.
  const bool compare_values = families[f].options.merge_operator == nullptr;
  rocksdb::PinnableSlice value;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    value.Reset();
    const rocksdb::Status s = db->Get(ro, handles[f], it->key(), &value);
    if (s.IsNotFound()) {
      const uint64_t seq = seq_named(f, it->key(), it->value());
      if (pruned.pruned && seq != 0 && seq <= pruned.last_seq) continue;
      return fmt::format("family '{}', key {:?}", family_name, it->key().ToString());
    }
    if (!s.ok()) return fmt::format("family '{}': {}", family_name, s.ToString());
    if (compare_values && value != it->value() && !(pruned.pruned && (f == layout::kBlocks || f == layout::kByTime))) {
      return fmt::format("family '{}', another value for key {:?}", family_name, it->key().ToString());
    }
  }
  if (!it->status().ok()) return fmt::format("family '{}': {}", family_name, it->status().ToString());
  return {};
}

}  // namespace

Status explain_open_failure(const std::string& path, const rocksdb::Status& s) {
  const std::string text = s.ToString();
  if (text.find("No such file") != std::string::npos) {
    // "... While open a file for random read: DIR/000022.ldb: No such file ..."
    // (after .sst, RocksDB tries the name older versions gave tables)
    for (const char* ext : {".ldb:", ".sst:"}) {
      const size_t end = text.find(ext);
      const size_t slash = end == std::string::npos ? end : text.rfind('/', end);
      if (slash == std::string::npos) continue;
      return Status::corruption(fmt::format(
          "{}: the MANIFEST lists table file {}.sst, which is missing: the events in it cannot be read ({})", path,
          text.substr(slash + 1, end - slash - 1), text));
    }
  }
  if (s.IsCorruption()) {
    if (const std::string bad = first_unreadable_table(path); !bad.empty()) {
      return Status::corruption(fmt::format(
          "{}: table file {}: it was cut short or overwritten, and what it held cannot be read", path, bad));
    }
  }
  if (s.IsCorruption()) {
    if (const std::string damage = describe_wal_damage(path); !damage.empty()) {
      return Status::corruption(fmt::format(
          "{}: {}: the events written from there on cannot be read ({}). Nothing was changed: `streamll repair` "
          "keeps every whole record, before the damage and after it, and moves the log to {}/lost",
          path, damage, text, path));
    }
  }
  if (s.IsCorruption() && text.find("MANIFEST") != std::string::npos) {
    return Status::corruption(fmt::format(
        "{}: {}; nothing was changed: `streamll repair` rebuilds a damaged MANIFEST from the table files", path,
        text));
  }
  return from_rocks(s, path);
}

namespace {

// The files (device, inode) in the staging directory of Store::append_all:
// while it ingests, RocksDB links them into the store before the MANIFEST
// lists them, and a kill in between leaves such a link, which the next
// writer's open removes with the staging directory.
std::set<std::pair<uint64_t, uint64_t>> staged_files(const std::string& path) {
  std::set<std::pair<uint64_t, uint64_t>> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(fs::path(path) / layout::kStagingDir, ec)) {
    struct stat st {};
    if (::stat(entry.path().c_str(), &st) == 0) out.emplace(st.st_dev, st.st_ino);
  }
  return out;
}

// The checks of check_table_files() on the read-only `db`.
Status check_open(rocksdb::DB* db, const std::vector<rocksdb::ColumnFamilyHandle*>& handles,
                  const std::vector<rocksdb::ColumnFamilyDescriptor>& families, const std::string& path,
                  std::set<std::string>* listed_out) {
  std::map<std::string, uint64_t> listed;  // file name -> size the MANIFEST recorded
  for (const auto& file : live_tables(db)) listed.emplace(file.relative_filename, file.size);
  for (const auto& [name, size] : listed) {
    const std::string file = (fs::path(path) / name).string();
    struct stat st {};
    if (::stat(file.c_str(), &st) != 0) {
      return Status::corruption(fmt::format(
          "{}: the MANIFEST lists table file {}, which is missing: the events in it ({}) cannot be read", path,
          name, human_size(size)));
    }
    if (static_cast<uint64_t>(st.st_size) != size) {
      return Status::corruption(fmt::format(
          "{}: table file {} is {} bytes, but the MANIFEST recorded {}: the file was cut short or overwritten, "
          "and what it held cannot all be read",
          path, name, st.st_size, size));
    }
  }
  std::error_code ec;
  const bool closed_cleanly = !fs::exists(fs::path(path) / layout::kWriterMarker, ec);
  const Pruned pruned = closed_cleanly ? Pruned{} : pruned_state(db, handles);
  const std::set<std::pair<uint64_t, uint64_t>> staged = staged_files(path);
  for (const auto& entry : fs::directory_iterator(path, ec)) {
    const std::string name = entry.path().filename().string();
    if (!name.ends_with(".sst") || listed.contains(name)) continue;
    struct stat st {};
    if (!staged.empty() && ::stat(entry.path().c_str(), &st) == 0 && staged.contains({st.st_dev, st.st_ino})) {
      continue;  // an ingestion's, running or killed
    }
    std::string why = "the store's last writer closed cleanly, which leaves no such table";
    if (!closed_cleanly) {
      const std::string missing = first_key_not_in(db, handles, families, entry.path().string(), pruned);
      if (missing.empty()) continue;
      why = fmt::format("it holds what the store does not have: {}", missing);
    }
    std::error_code size_ec;
    const uint64_t size = fs::file_size(entry.path(), size_ec);
    return Status::corruption(fmt::format(
        "{}: table file {} ({}) is not in the MANIFEST ({}): the MANIFEST was cut short or replaced, and "
        "reading without the file could miss events. Nothing was changed; `streamll repair` rebuilds the MANIFEST "
        "from the table files",
        path, name, human_size(size), why));
  }
  if (ec) return Status::io_error(fmt::format("cannot list {}: {}", path, ec.message()));
  if (listed_out != nullptr) {
    for (const auto& [name, size] : listed) listed_out->insert(name);
  }
  return Status::ok_status();
}

}  // namespace

std::string first_unreadable_table(const std::string& path) {
  std::set<std::string> tables;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(path, ec)) {
    if (entry.path().extension() == ".sst") tables.insert(entry.path().filename().string());
  }
  for (const std::string& name : tables) {
    rocksdb::SstFileReader reader{rocksdb::Options()};
    if (const rocksdb::Status s = reader.Open((fs::path(path) / name).string()); !s.ok()) {
      return fmt::format("{} is not a readable table ({})", name, s.ToString());
    }
  }
  return {};
}

Status check_table_files(const std::string& path, const rocksdb::DBOptions& options,
                         const std::vector<rocksdb::ColumnFamilyDescriptor>& families, std::set<std::string>* listed) {
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  const rocksdb::Status s = rocksdb::DB::OpenForReadOnly(options, path, families, &handles, &raw);
  if (!s.ok()) {
    if (s.IsInvalidArgument() && s.ToString().find("olumn famil") != std::string::npos) {
      return Status::corruption(fmt::format(
          "{}: its MANIFEST lacks column families that its table files belong to: the MANIFEST was cut short or "
          "replaced ({}). Nothing was changed; `streamll repair` rebuilds the MANIFEST from the table files",
          path, s.ToString()));
    }
    return explain_open_failure(path, s);
  }
  const Status checked = check_open(raw, handles, families, path, listed);
  for (auto* h : handles) raw->DestroyColumnFamilyHandle(h);
  delete raw;
  return checked;
}

Status check_view_tables(rocksdb::DB* view, const std::set<std::string>& listed, const std::string& path) {
  std::set<std::string> loaded;
  for (const auto& file : live_tables(view)) loaded.insert(file.relative_filename);
  for (const std::string& name : listed) {
    if (!loaded.contains(name)) {
      return Status::corruption(fmt::format(
          "{}: table file {} is in the MANIFEST, but could not be loaded: what it held cannot be read", path, name));
    }
  }
  return Status::ok_status();
}

}  // namespace streamll::detail

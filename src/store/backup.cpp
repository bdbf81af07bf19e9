// Store::backup(): a consistent copy of a store, made while it is written.
// Every family is read at one snapshot and written as table files (RocksDB's
// SstFileWriter), which a new database at DEST.partial ingests; the copy is
// verified, then renamed to DEST. A copy rather than hard links: a view
// (another process than the writer) cannot stop the writer from deleting
// the tables it would link, and DEST is often on another disk.
#include <filesystem>
#include <fstream>

#include <fmt/format.h>
#include <rocksdb/db.h>
#include <rocksdb/sst_file_writer.h>

#include "common/files.hpp"
#include "store/info_log.hpp"
#include "store/layout.hpp"
#include "store/rocks_options.hpp"
#include "store/rocks_status.hpp"
#include "store/store_impl.hpp"

namespace streamll {

namespace fs = std::filesystem;

namespace {

// The file inside DEST.partial that says a backup made it (so that a later
// backup may remove what a killed one left, and nothing else).
constexpr const char* kPartialMarker = "BACKUP-IN-PROGRESS";
// Table files of the copy are cut at about this size.
constexpr uint64_t kTableBytes = 256ull << 20;

// Removes a copy cut short, its marker last, so that a removal killed
// midway is finished by the next backup.
void remove_partial(const fs::path& dir, std::error_code& ec) {
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (entry.path().filename() != kPartialMarker) fs::remove_all(entry.path(), ec);
    if (ec) return;
  }
  if (!ec) fs::remove_all(dir, ec);
}

// Writes family `f` as read through `ro` into table files under `dir`,
// appending their paths to *files.
Status write_tables(const detail::Instance& rocks, const std::string& path, const rocksdb::ReadOptions& ro, int f,
                    const rocksdb::ColumnFamilyDescriptor& descriptor, const fs::path& dir,
                    std::vector<std::string>* files) {
  std::unique_ptr<rocksdb::Iterator> it(rocks.db->NewIterator(ro, rocks.family(static_cast<layout::Family>(f))));
  it->SeekToFirst();
  const rocksdb::Options options(detail::db_options(), descriptor.options);
  std::unique_ptr<rocksdb::SstFileWriter> writer;
  while (it->Valid()) {
    if (writer == nullptr) {
      writer = std::make_unique<rocksdb::SstFileWriter>(rocksdb::EnvOptions(), options);
      files->push_back((dir / fmt::format("{}-{}.sst", descriptor.name, files->size())).string());
      if (Status s = detail::from_rocks(writer->Open(files->back()), files->back()); !s.ok()) return s;
    }
    if (Status s = detail::from_rocks(writer->Put(it->key(), it->value()), files->back()); !s.ok()) return s;
    it->Next();
    if (writer->FileSize() >= kTableBytes || !it->Valid()) {
      if (Status s = detail::from_rocks(writer->Finish(), files->back()); !s.ok()) return s;
      writer.reset();
    }
  }
  return detail::from_rocks(it->status(), path);
}

}  // namespace

Status Store::backup(const std::string& dest, BackupReport* report) const {
  BackupReport local;
  BackupReport& r = report != nullptr ? *report : local;
  r = BackupReport{};
  Impl& impl = *impl_;
  std::error_code ec;
  if (dest.empty()) return Status::invalid_argument("backup: no destination given");
  if (fs::exists(dest, ec)) {
    return Status::invalid_argument(fmt::format("{} exists; a backup makes a new directory there", dest));
  }
  const fs::path partial = dest + ".partial";
  if (fs::exists(partial, ec)) {
    // Empty: a backup killed between making the directory and the marker.
    if (!fs::exists(partial / kPartialMarker, ec) && !fs::is_empty(partial, ec)) {
      return Status::invalid_argument(
          fmt::format("{} exists and is not a backup cut short (no {} in it); move it out of the way", partial.string(),
                      kPartialMarker));
    }
    remove_partial(partial, ec);
    if (ec) return Status::io_error(fmt::format("cannot remove {}: {}", partial.string(), ec.message()));
    r.removed_partial = true;
  }
  fs::create_directory(partial, ec);
  if (ec) return Status::io_error(fmt::format("cannot create {}: {}", partial.string(), ec.message()));
  // A copy that failed is removed (one killed midway is, by the next backup).
  struct RemoveUnlessDone {
    const fs::path& dir;
    bool done = false;
    ~RemoveUnlessDone() {
      std::error_code ignored;
      if (!done) remove_partial(dir, ignored);
    }
  } cleanup{partial};
  std::ofstream(partial / kPartialMarker).close();
  const fs::path tables = partial / "tables";
  fs::create_directory(tables, ec);
  if (ec) return Status::io_error(fmt::format("cannot create {}: {}", tables.string(), ec.message()));

  // One snapshot for every family (a view's instance is fixed; refresh()
  // may replace the view's, not this one).
  const std::shared_ptr<detail::Instance> rocks = impl.rocks();
  rocksdb::ReadOptions ro;
  ro.fill_cache = false;
  const rocksdb::Snapshot* snapshot = read_only() ? nullptr : rocks->db->GetSnapshot();
  ro.snapshot = snapshot;
  const auto descriptors = detail::family_descriptors();
  std::vector<std::vector<std::string>> files(layout::kFamilyCount);
  Status written;
  for (int f = 0; f < layout::kFamilyCount && written.ok(); ++f) {
    written = write_tables(*rocks, impl.path, ro, f, descriptors[f], tables, &files[f]);
  }
  if (snapshot != nullptr) rocks->db->ReleaseSnapshot(snapshot);
  if (!written.ok()) return written;

  {
    rocksdb::DBOptions options = detail::db_options();
    options.create_if_missing = true;
    options.create_missing_column_families = true;
    options.info_log = detail::open_info_log(partial.string());
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* raw = nullptr;
    if (Status s = detail::from_rocks(rocksdb::DB::Open(options, partial.string(), descriptors, &handles, &raw),
                                      partial.string());
        !s.ok()) {
      return s;
    }
    std::unique_ptr<rocksdb::DB> copy(raw);
    Status ingested;
    for (int f = 0; f < layout::kFamilyCount && ingested.ok(); ++f) {
      if (files[f].empty()) continue;
      rocksdb::IngestExternalFileOptions io;
      io.move_files = true;
      ingested = detail::from_rocks(copy->IngestExternalFile(handles[f], files[f], io), partial.string());
    }
    for (auto* h : handles) copy->DestroyColumnFamilyHandle(h);
    if (!ingested.ok()) return ingested;
  }
  fs::remove_all(tables, ec);

  {
    std::unique_ptr<Store> copy;
    StoreOptions options;
    options.create_if_missing = false;
    if (Status s = Store::open(partial.string(), options, &copy); !s.ok()) return s.with_context("the copy");
    VerifyReport verified;
    if (Status s = copy->verify(&verified); !s.ok()) return s.with_context("the copy");
    r.events = verified.events;
  }
  if (!detail::sync_directory(partial)) return Status::io_error(fmt::format("cannot sync {}", partial.string()));
  fs::rename(partial, dest, ec);
  if (ec) return Status::io_error(fmt::format("cannot rename {} to {}: {}", partial.string(), dest, ec.message()));
  cleanup.done = true;
  // After the rename: a kill before it leaves DEST.partial with its marker.
  fs::remove(fs::path(dest) / kPartialMarker, ec);
  const fs::path parent = fs::absolute(dest, ec).parent_path();
  if (!detail::sync_directory(parent)) return Status::io_error(fmt::format("cannot sync {}", parent.string()));
  r.bytes = detail::directory_bytes(dest);
  return Status::ok_status();
}

}  // namespace streamll

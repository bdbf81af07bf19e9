// The table files of one large append (Store::append_all), built beside the
// store from the write batches its parts would have written, and handed to
// RocksDB in one atomic ingestion at the end: the store then has all of it
// or, after a failure or a kill at any moment, none of it. Memory stays that
// of one part plus what must be sorted before it is written: blocks, whose
// keys only grow, go to a table file as they come; by_id's entries (an id
// and a seq per event), the packed index entries (a few bytes per event)
// and the folded summary operands (one per execution and type) are kept and
// written sorted at the end.
//
// The files live in `store`/layout::kStagingDir until ingested (RocksDB then
// links them into the store); a writer's open removes what a killed append
// left there, and the table check accepts an unlisted table that is a link
// to one of them (store/table_files.hpp).
//
// Not thread-safe; one per append_all, under the store's append mutex.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/sst_file_writer.h>
#include <rocksdb/write_batch.h>

#include "store/instance.hpp"
#include "streamll/status.hpp"

namespace streamll::detail {

class StagedTables final : public rocksdb::WriteBatch::Handler {
 public:
  // Makes the staging directory of the store at `path` (removing what a
  // killed append left there) for the database `rocks`, which must outlive
  // this. IOError when it cannot be made.
  static Status make(const std::string& path, const Instance* rocks, std::unique_ptr<StagedTables>* out);
  // Removes the staging directory and what is still in it.
  ~StagedTables() override;
  StagedTables(const StagedTables&) = delete;
  StagedTables& operator=(const StagedTables&) = delete;

  // Takes in what `batch` (an append's puts and merges, no deletes) would
  // have written. Cost: a block's table write as it comes, a hash insert per
  // by_id entry, a copy of each index entry and a fold per summary operand.
  Status stage(const rocksdb::WriteBatch& batch);

  // The seq staged under by_id for `event_id`, or 0. Cost: a hash lookup.
  uint64_t staged_seq(std::string_view event_id) const;

  // Writes the remaining tables (sorted) and ingests every table into the
  // store in one step (RocksDB's IngestExternalFiles). A failure leaves the
  // store as it was. Cost: a sort and a write of what was kept, a flush of
  // the memtables whose keys the tables overlap, and a MANIFEST write.
  Status ingest();

  // WriteBatch::Handler, called by stage().
  rocksdb::Status PutCF(uint32_t family_id, const rocksdb::Slice& key, const rocksdb::Slice& value) override;
  rocksdb::Status MergeCF(uint32_t family_id, const rocksdb::Slice& key, const rocksdb::Slice& value) override;

 private:
  struct Family {
    rocksdb::Options options;  // the family's, for its comparator, merge operator and table format
    std::unique_ptr<rocksdb::SstFileWriter> writer;  // the table being written
    std::vector<std::string> files;                  // finished tables
    std::vector<std::pair<std::string, std::string>> puts;  // kept to sort
    std::map<std::string, std::string> merges;              // key -> folded operand
  };

  StagedTables(std::string dir, const Instance* rocks);
  Family* family_of(uint32_t family_id);
  rocksdb::Status add_to_table(size_t f, const rocksdb::Slice& key, const rocksdb::Slice& value, bool merge);
  rocksdb::Status finish_table(size_t f);
  rocksdb::Status write_kept(size_t f);

  std::string dir_;
  const Instance* rocks_;
  std::vector<Family> families_;  // indexed by layout::Family
  // Looked up by string_view (staged_seq, once per new event): no copy of the id.
  struct IdHash {
    using is_transparent = void;
    size_t operator()(std::string_view id) const { return std::hash<std::string_view>{}(id); }
  };
  std::unordered_map<std::string, uint64_t, IdHash, std::equal_to<>> ids_;  // by_id: event_id -> seq
  uint64_t files_made_ = 0;
};

}  // namespace streamll::detail

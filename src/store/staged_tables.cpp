#include "store/staged_tables.hpp"

#include <algorithm>
#include <filesystem>

#include <fmt/format.h>
#include <rocksdb/merge_operator.h>

#include "common/coding.hpp"
#include "store/layout.hpp"
#include "store/rocks_status.hpp"

namespace fs = std::filesystem;

namespace streamll::detail {

namespace {

// A table is closed and the next begun past this size (RocksDB's own
// target for a table, so ingested tables compact like flushed ones).
uint64_t table_target(const rocksdb::Options& options) { return std::max<uint64_t>(options.target_file_size_base, 1); }

}  // namespace

Status StagedTables::make(const std::string& path, const Instance* rocks, std::unique_ptr<StagedTables>* out) {
  const std::string dir = (fs::path(path) / layout::kStagingDir).string();
  std::error_code ec;
  fs::remove_all(dir, ec);
  if (!ec) fs::create_directory(dir, ec);
  if (ec) return Status::io_error(fmt::format("cannot make {}: {}", dir, ec.message()));
  out->reset(new StagedTables(dir, rocks));
  return Status::ok_status();
}

StagedTables::StagedTables(std::string dir, const Instance* rocks) : dir_(std::move(dir)), rocks_(rocks) {
  families_.resize(rocks_->families.size());
  for (size_t f = 0; f < families_.size(); ++f) families_[f].options = rocks_->db->GetOptions(rocks_->families[f]);
}

StagedTables::~StagedTables() {
  for (Family& family : families_) family.writer.reset();
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

StagedTables::Family* StagedTables::family_of(uint32_t family_id) {
  for (size_t f = 0; f < rocks_->families.size(); ++f) {
    if (rocks_->families[f]->GetID() == family_id) return &families_[f];
  }
  return nullptr;
}

Status StagedTables::stage(const rocksdb::WriteBatch& batch) {
  return from_rocks(batch.Iterate(this), dir_);
}

uint64_t StagedTables::staged_seq(std::string_view event_id) const {
  const auto it = ids_.find(event_id);
  return it == ids_.end() ? 0 : it->second;
}

rocksdb::Status StagedTables::PutCF(uint32_t family_id, const rocksdb::Slice& key, const rocksdb::Slice& value) {
  Family* family = family_of(family_id);
  if (family == nullptr) return rocksdb::Status::InvalidArgument(fmt::format("no column family {}", family_id));
  const size_t f = static_cast<size_t>(family - families_.data());
  if (f == layout::kBlocks) return add_to_table(f, key, value, /*merge=*/false);  // keys only grow
  if (f == layout::kById) {
    if (value.size() != 8) return rocksdb::Status::InvalidArgument("a by_id entry is not a seq");
    ids_.emplace(key.ToString(), get_be64(value.ToStringView()));
    return rocksdb::Status::OK();
  }
  family->puts.emplace_back(key.ToString(), value.ToString());
  return rocksdb::Status::OK();
}

rocksdb::Status StagedTables::MergeCF(uint32_t family_id, const rocksdb::Slice& key, const rocksdb::Slice& value) {
  Family* family = family_of(family_id);
  if (family == nullptr) return rocksdb::Status::InvalidArgument(fmt::format("no column family {}", family_id));
  const rocksdb::MergeOperator* op = family->options.merge_operator.get();
  if (op == nullptr) return rocksdb::Status::InvalidArgument("a merge into a family without a merge operator");
  auto [it, inserted] = family->merges.try_emplace(key.ToString(), value.ToString());
  if (inserted) return rocksdb::Status::OK();
  // Fold the operand into the ones before it: the summary operators are
  // associative, so one folded operand merges as all of them would.
  const rocksdb::Slice existing(it->second);
  const std::vector<rocksdb::Slice> operands{value};
  std::string folded;
  rocksdb::Slice folded_operand(nullptr, 0);  // set when the result is one of the operands
  rocksdb::MergeOperator::MergeOperationOutput output(folded, folded_operand);
  const rocksdb::MergeOperator::MergeOperationInput input(key, &existing, operands, nullptr);
  if (!op->FullMergeV2(input, &output)) {
    return rocksdb::Status::Corruption(fmt::format("cannot fold a merge operand of key {:?}", key.ToString()));
  }
  it->second = folded_operand.data() != nullptr ? folded_operand.ToString() : std::move(folded);
  return rocksdb::Status::OK();
}

rocksdb::Status StagedTables::add_to_table(size_t f, const rocksdb::Slice& key, const rocksdb::Slice& value,
                                           bool merge) {
  Family& family = families_[f];
  if (family.writer == nullptr) {
    family.writer = std::make_unique<rocksdb::SstFileWriter>(rocksdb::EnvOptions(), family.options,
                                                             rocks_->families[f]);
    const std::string file = fmt::format("{}/{:06}.sst", dir_, ++files_made_);
    if (rocksdb::Status s = family.writer->Open(file); !s.ok()) return s;
    family.files.push_back(file);
  }
  rocksdb::Status s = merge ? family.writer->Merge(key, value) : family.writer->Put(key, value);
  if (s.ok() && family.writer->FileSize() >= table_target(family.options)) s = finish_table(f);
  return s;
}

rocksdb::Status StagedTables::finish_table(size_t f) {
  Family& family = families_[f];
  if (family.writer == nullptr) return rocksdb::Status::OK();
  const rocksdb::Status s = family.writer->Finish();
  family.writer.reset();
  return s;
}

rocksdb::Status StagedTables::write_kept(size_t f) {
  Family& family = families_[f];
  const rocksdb::Comparator* cmp = family.options.comparator;
  if (f == layout::kById) {
    // Sorted through pointers into the map: no second copy of every id.
    std::vector<const std::pair<const std::string, uint64_t>*> ids;
    ids.reserve(ids_.size());
    for (const auto& entry : ids_) ids.push_back(&entry);
    std::sort(ids.begin(), ids.end(), [cmp](const auto* a, const auto* b) { return cmp->Compare(a->first, b->first) < 0; });
    std::string seq;
    for (const auto* entry : ids) {
      seq.clear();
      put_be64(entry->second, &seq);
      if (rocksdb::Status s = add_to_table(f, entry->first, seq, /*merge=*/false); !s.ok()) return s;
    }
    ids_ = {};
  }
  if (!family.puts.empty() && !family.merges.empty()) {
    return rocksdb::Status::NotSupported("puts and merges into one column family in one append");
  }
  std::sort(family.puts.begin(), family.puts.end(),
            [cmp](const auto& a, const auto& b) { return cmp->Compare(a.first, b.first) < 0; });
  for (size_t i = 0; i < family.puts.size(); ++i) {
    const auto& [key, value] = family.puts[i];
    if (i > 0 && cmp->Compare(family.puts[i - 1].first, key) == 0) {
      return rocksdb::Status::Corruption(fmt::format("key {:?} staged twice", key));
    }
    if (rocksdb::Status s = add_to_table(f, key, value, /*merge=*/false); !s.ok()) return s;
  }
  family.puts = {};
  // std::map's order is bytewise, as every family's comparator.
  for (const auto& [key, operand] : family.merges) {
    if (rocksdb::Status s = add_to_table(f, key, operand, /*merge=*/true); !s.ok()) return s;
  }
  family.merges.clear();
  return finish_table(f);
}

Status StagedTables::ingest() {
  std::vector<rocksdb::IngestExternalFileArg> args;
  for (size_t f = 0; f < families_.size(); ++f) {
    if (f != layout::kBlocks) {
      if (rocksdb::Status s = write_kept(f); !s.ok()) return from_rocks(s, dir_);
    } else if (rocksdb::Status s = finish_table(f); !s.ok()) {
      return from_rocks(s, dir_);
    }
    if (families_[f].files.empty()) continue;
    rocksdb::IngestExternalFileArg arg;
    arg.column_family = rocks_->families[f];
    arg.external_files = families_[f].files;
    // Linked into the store, not copied; no seqno written into the files.
    arg.options.move_files = true;
    arg.options.write_global_seqno = false;
    args.push_back(std::move(arg));
  }
  if (args.empty()) return Status::ok_status();
  return from_rocks(rocks_->db->IngestExternalFiles(args), dir_);
}

}  // namespace streamll::detail

// Store::stats(): what a store holds and what it costs on disk.
#include <fmt/format.h>
#include <rocksdb/db.h>

#include "common/files.hpp"
#include "store/layout.hpp"
#include "store/rocks_status.hpp"
#include "store/store_impl.hpp"

namespace streamll {

namespace detail {

std::vector<StoreStats::Family> family_stats(Store::Impl& impl) {
  const std::shared_ptr<Instance> rocks = impl.rocks();
  std::vector<StoreStats::Family> out;
  for (int f = 0; f < layout::kFamilyCount; ++f) {
    rocksdb::ColumnFamilyHandle* h = rocks->family(static_cast<layout::Family>(f));
    StoreStats::Family fam;
    fam.name = layout::kFamilyNames[f];
    rocks->db->GetIntProperty(h, rocksdb::DB::Properties::kLiveSstFilesSize, &fam.table_bytes);
    rocks->db->GetIntProperty(h, rocksdb::DB::Properties::kCurSizeAllMemTables, &fam.memtable_bytes);
    rocks->db->GetIntProperty(h, rocksdb::DB::Properties::kEstimateNumKeys, &fam.entries);
    out.push_back(std::move(fam));
  }
  return out;
}

uint64_t store_bytes(Store::Impl& impl) {
  uint64_t total = 0;
  for (const StoreStats::Family& f : family_stats(impl)) total += f.table_bytes + f.memtable_bytes;
  return total;
}

}  // namespace detail

Status Store::stats(StoreStats* out) const {
  *out = StoreStats{};
  Impl& impl = *impl_;
  const std::shared_ptr<detail::Instance> rocks = impl.rocks();
  std::vector<ExecutionSummary> executions;
  if (Status s = list_executions(&executions); !s.ok()) return s;
  out->executions = executions.size();
  for (const ExecutionSummary& e : executions) out->events += e.event_count;
  std::vector<EventTypeSummary> types;
  if (Status s = list_event_types(&types); !s.ok()) return s;
  out->event_types = types.size();
  out->last_seq = last_seq();

  for (const ScanOrder order : {ScanOrder::kOldestFirst, ScanOrder::kNewestFirst}) {
    const std::unique_ptr<EventIterator> end = scan_time_keys(TimeRange{}, order);
    if (!end->status().ok()) return end->status().with_context(impl.path);
    if (!end->valid()) break;
    (order == ScanOrder::kOldestFirst ? out->oldest_ts : out->newest_ts) = end->view().timestamp;
  }

  std::string version;
  if (rocks->db->Get(rocksdb::ReadOptions(), rocks->family(layout::kMeta), layout::kFormatVersionKey, &version).ok()) {
    out->format_version = std::atoi(version.c_str());
  }
  out->families = detail::family_stats(impl);
  out->disk_bytes = detail::directory_bytes(impl.path, &out->wal_bytes);
  return replication_marks(&out->replication);
}

}  // namespace streamll

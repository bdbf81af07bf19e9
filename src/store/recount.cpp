// The summaries counted again from the events: the type registry after a
// prune, and both summaries after a repair replayed log records over tables
// that may hold some of their merges already.
#include <map>
#include <set>
#include <string>

#include <rocksdb/db.h>

#include "store/execution_summary.hpp"
#include "store/iterators.hpp"
#include "store/layout.hpp"
#include "store/rocks_status.hpp"
#include "store/store_impl.hpp"
#include "store/type_summary.hpp"

namespace streamll::detail {

namespace {

// Calls add(view) for every event through the last seq unlocked, then, under
// the append lock (held on return, in *lock), for those appended meanwhile:
// the caller writes its count before appends go on.
template <class Add>
Status count_events(Store::Impl& impl, std::unique_lock<std::mutex>* lock, Add&& add) {
  const std::shared_ptr<detail::Instance> rocks = impl.rocks();
  const auto count = [&](uint64_t after, uint64_t through) {
    auto it = make_arrival_iterator(rocks, after, ScanOrder::kOldestFirst);
    for (; it->valid() && it->view().seq <= through; it->next()) add(it->view());
    return it->status();
  };
  const uint64_t through = impl.last_seq.load(std::memory_order_acquire);
  if (Status s = count(0, through); !s.ok()) return s.with_context(impl.path);
  *lock = std::unique_lock<std::mutex>(impl.append_mutex);
  if (Status s = count(through, UINT64_MAX); !s.ok()) return s.with_context(impl.path);
  return Status::ok_status();
}

// Adds an empty count for every key of `family` (so that keys no event has
// any more are deleted).
template <class Counts>
Status add_stored_keys(const Instance& rocks, layout::Family family, const std::string& path, Counts* counts) {
  std::unique_ptr<rocksdb::Iterator> it(rocks.db->NewIterator(rocksdb::ReadOptions(), rocks.family(family)));
  for (it->SeekToFirst(); it->Valid(); it->Next()) (*counts)[it->key().ToString()];
  return from_rocks(it->status(), path);
}

}  // namespace

// Writes the entries in place of the old ones (and of the merges appends
// made meanwhile, which the count holds), deleting entries of types no event
// has any more, and the mark that the registry is stale.
Status recount_types(Store::Impl& impl, const std::set<std::string>* only) {
  std::map<std::string, type_summary::Recount, std::less<>> recount;
  if (only != nullptr) {
    for (const std::string& t : *only) recount[t];
  }
  std::unique_lock<std::mutex> lock;
  const Status counted = count_events(impl, &lock, [&](const EventView& v) {
    auto found = recount.find(v.event_type);
    if (found == recount.end() && only == nullptr) {
      found = recount.emplace(std::string(v.event_type), type_summary::Recount()).first;
    }
    if (found != recount.end()) found->second.add(v.timestamp, v.data_json);
  });
  if (!counted.ok()) return counted;
  const std::shared_ptr<detail::Instance> rocks = impl.rocks();
  if (only == nullptr) {
    if (Status s = add_stored_keys(*rocks, layout::kTypes, impl.path, &recount); !s.ok()) return s;
  }
  rocksdb::WriteBatch batch;
  std::string value;
  for (auto& [type, rc] : recount) {
    if (rc.count() == 0) {
      batch.Delete(rocks->family(layout::kTypes), type);
      continue;
    }
    value.clear();
    type_summary::encode(rc.summary(), &value);
    batch.Put(rocks->family(layout::kTypes), type, value);
  }
  batch.Delete(rocks->family(layout::kMeta), layout::kTypesStaleKey);
  rocksdb::WriteOptions wo;
  wo.sync = impl.options.sync;
  return from_rocks(rocks->db->Write(wo, &batch), impl.path);
}

Status recount_executions(Store::Impl& impl) {
  std::map<std::string, std::optional<ExecutionSummary>, std::less<>> recount;
  std::unique_lock<std::mutex> lock;
  const Status counted = count_events(impl, &lock, [&](const EventView& v) {
    const ExecutionSummary one = execution_summary::of_event(v.timestamp, v.event_type);
    auto found = recount.find(v.execution_id);
    if (found == recount.end()) found = recount.emplace(std::string(v.execution_id), std::nullopt).first;
    if (found->second) {
      execution_summary::combine(one, &*found->second);
    } else {
      found->second = one;
    }
  });
  if (!counted.ok()) return counted;
  const std::shared_ptr<detail::Instance> rocks = impl.rocks();
  if (Status s = add_stored_keys(*rocks, layout::kExecutions, impl.path, &recount); !s.ok()) return s;
  rocksdb::WriteBatch batch;
  std::string value;
  for (const auto& [execution_id, summary] : recount) {
    if (!summary) {
      batch.Delete(rocks->family(layout::kExecutions), execution_id);
      continue;
    }
    value.clear();
    execution_summary::encode(*summary, &value);
    batch.Put(rocks->family(layout::kExecutions), execution_id, value);
  }
  batch.Delete(rocks->family(layout::kMeta), layout::kExecutionsStaleKey);
  rocksdb::WriteOptions wo;
  wo.sync = impl.options.sync;
  return from_rocks(rocks->db->Write(wo, &batch), impl.path);
}

}  // namespace streamll::detail

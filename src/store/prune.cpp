// Store::prune(): retention. Whole executions go, oldest first, each with
// its events, index entries and summary in one write batch. An event leaves
// a pruned record in its block when the block keeps other events (so record
// i keeps seq first_seq + i); a block left with no event is deleted, except
// the newest, which keeps the store's last seq. The registry entries of the
// types that lost events are counted again from what stays, and every
// family is compacted so that the space is given back.
#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include <fmt/format.h>
#include <rocksdb/db.h>

#include "store/block.hpp"
#include "store/iterators.hpp"
#include "store/layout.hpp"
#include "store/postings.hpp"
#include "store/rocks_status.hpp"
#include "store/store_impl.hpp"

namespace streamll {

namespace {

// Executions per write batch add up to about this many events (one
// execution may exceed it: it is never split).
constexpr uint64_t kBatchEvents = 4096;

// At most this many rounds of select, remove, compact for max_bytes.
constexpr int kMaxPasses = 4;

std::string_view view_of(const rocksdb::Slice& s) { return {s.data(), s.size()}; }

// The executions the limits select: a prefix of all of them, oldest first.
std::vector<ExecutionSummary> select(std::vector<ExecutionSummary> all, const PruneOptions& options,
                                     uint64_t store_bytes) {
  std::sort(all.begin(), all.end(), [](const ExecutionSummary& a, const ExecutionSummary& b) {
    return a.last_ts != b.last_ts ? a.last_ts < b.last_ts : a.execution_id < b.execution_id;
  });
  uint64_t events = 0;
  for (const ExecutionSummary& e : all) events += e.event_count;
  // --max-bytes: the events to remove, at the store's bytes per event.
  uint64_t events_over = 0;
  if (options.max_bytes && store_bytes > *options.max_bytes && events > 0) {
    const double per_event = static_cast<double>(store_bytes) / static_cast<double>(events);
    events_over = static_cast<uint64_t>(std::ceil(static_cast<double>(store_bytes - *options.max_bytes) / per_event));
  }
  size_t take = 0;
  uint64_t taken_events = 0;
  for (; take < all.size(); ++take) {
    const ExecutionSummary& e = all[take];
    const bool old = e.last_ts < options.before;
    const bool beyond_count = options.keep_executions && all.size() - take > *options.keep_executions;
    const bool over_size = taken_events < events_over;
    if (!old && !beyond_count && !over_size) break;
    taken_events += e.event_count;
  }
  all.resize(take);
  return all;
}

class Pruner {
 public:
  Pruner(Store::Impl* impl, const PruneOptions& options, PruneReport* report)
      : impl_(*impl), rocks_(impl->rocks()), options_(options), r_(*report) {}

  // How far every replication target has shipped (UINT64_MAX: no target).
  Status load_marks(const Store& store) {
    std::vector<ReplicationMark> marks;
    if (Status s = store.replication_marks(&marks); !s.ok()) return s;
    for (const ReplicationMark& m : marks) {
      if (m.seq < shipped_) {
        shipped_ = m.seq;
        holder_ = m.target;
      }
    }
    return Status::ok_status();
  }

  // Removes `executions` in one write batch, under the append lock (appends
  // to them meanwhile wait, and are removed with them).
  Status remove(const std::vector<const ExecutionSummary*>& executions) {
    std::lock_guard<std::mutex> lock(impl_.append_mutex);
    rocksdb::WriteBatch batch;
    std::vector<uint64_t> seqs;
    std::vector<postings::Posting> pairs;  // of every execution removed
    for (const ExecutionSummary* e : executions) {
      std::vector<std::string> keys;
      const size_t before = pairs.size();
      if (Status s = index_entries(e->execution_id, &keys, &pairs); !s.ok()) return s;
      if (keys.empty()) continue;  // pruned by another path meanwhile
      uint64_t newest_seq = 0;
      for (size_t i = before; i < pairs.size(); ++i) newest_seq = std::max(newest_seq, pairs[i].seq);
      if (newest_seq > shipped_ && !options_.force) {
        if (r_.kept_unreplicated++ == 0) r_.held_back_by = holder_;
        pairs.resize(before);
        continue;
      }
      ++r_.executions;
      r_.events += pairs.size() - before;
      if (options_.dry_run) continue;
      for (const std::string& key : keys) batch.Delete(rocks_->family(layout::kByExecution), key);
      batch.Delete(rocks_->family(layout::kExecutions), e->execution_id);
    }
    if (options_.dry_run) return Status::ok_status();
    for (const postings::Posting& p : pairs) seqs.push_back(p.seq);
    if (seqs.empty()) return Status::ok_status();
    std::sort(seqs.begin(), seqs.end());
    if (Status s = rewrite_blocks(seqs, &batch); !s.ok()) return s;
    if (Status s = rewrite_time_entries(pairs, &batch); !s.ok()) return s;
    // Until the registry is counted again (a prune killed before that
    // leaves it counting what is gone: the next writer's open recounts).
    batch.Put(rocks_->family(layout::kMeta), layout::kTypesStaleKey, "");
    // Blocks may hold pruned records from now on.
    batch.Put(rocks_->family(layout::kMeta), layout::kPrunedKey, "");
    rocksdb::WriteOptions wo;
    wo.sync = impl_.options.sync;
    return detail::from_rocks(rocks_->db->Write(wo, &batch), impl_.path);
  }

  Status rebuild_types() {
    if (touched_types_.empty()) return Status::ok_status();
    if (Status s = detail::recount_types(impl_, &touched_types_); !s.ok()) return s;
    touched_types_.clear();  // counted: a later pass recounts only what it touches
    return Status::ok_status();
  }

  // Gives the space of what was removed back: tombstones and pruned
  // records leave the table files when their families are compacted.
  Status compact() {
    rocksdb::CompactRangeOptions co;
    co.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForceOptimized;
    co.exclusive_manual_compaction = false;
    for (int f = 0; f < layout::kFamilyCount; ++f) {
      if (f == layout::kMeta) continue;
      const rocksdb::Status s = rocks_->db->CompactRange(co, rocks_->family(static_cast<layout::Family>(f)), nullptr, nullptr);
      if (!s.ok()) return detail::from_rocks(s, impl_.path);
    }
    return Status::ok_status();
  }

 private:
  // The by_execution keys of one execution, and the pairs they hold.
  Status index_entries(const std::string& execution_id, std::vector<std::string>* keys,
                       std::vector<postings::Posting>* pairs) {
    const std::string lower = layout::execution_lower_bound(execution_id);
    const std::string upper = layout::execution_upper_bound(execution_id);
    rocksdb::ReadOptions ro;
    const rocksdb::Slice bound(upper);
    ro.iterate_upper_bound = &bound;
    std::unique_ptr<rocksdb::Iterator> it(rocks_->db->NewIterator(ro, rocks_->family(layout::kByExecution)));
    for (it->Seek(lower); it->Valid(); it->Next()) {
      keys->emplace_back(view_of(it->key()));
      if (Status s = postings::decode(view_of(it->value()), pairs); !s.ok()) {
        return s.with_context(fmt::format("{}: by_execution entry {:?}", impl_.path, keys->back()));
      }
    }
    return detail::from_rocks(it->status(), impl_.path);
  }

  // Takes `pairs` out of the by_time entries that hold them, into `batch`:
  // an entry keeps its key and the pairs left, or is deleted when none is.
  Status rewrite_time_entries(const std::vector<postings::Posting>& pairs, rocksdb::WriteBatch* batch) {
    std::map<std::string, std::set<uint64_t>> removed;  // entry key -> seqs
    std::unique_ptr<rocksdb::Iterator> it(rocks_->db->NewIterator(rocksdb::ReadOptions(), rocks_->family(layout::kByTime)));
    for (const postings::Posting& p : pairs) {
      // The entry of p's bucket with the largest first seq at or below p's.
      const int64_t bucket = layout::time_bucket(p.ts);
      it->SeekForPrev(layout::time_entry_key(bucket, p.seq));
      if (!it->Valid() || it->key().size() != 16 || layout::bucket_of_time_key(view_of(it->key())) != bucket) {
        if (Status s = detail::from_rocks(it->status(), impl_.path); !s.ok()) return s;
        return Status::corruption(fmt::format("{}: no by_time entry holds seq {}", impl_.path, p.seq));
      }
      removed[it->key().ToString()].insert(p.seq);
    }
    std::vector<postings::Posting> held;
    std::string value;
    for (const auto& [key, seqs] : removed) {
      held.clear();
      value.clear();
      const rocksdb::Status s = rocks_->db->Get(rocksdb::ReadOptions(), rocks_->family(layout::kByTime), key, &value);
      if (!s.ok()) return detail::from_rocks(s, impl_.path);
      if (Status d = postings::decode(value, &held); !d.ok()) {
        return d.with_context(fmt::format("{}: by_time entry {:?}", impl_.path, key));
      }
      const size_t before = held.size();
      std::erase_if(held, [&](const postings::Posting& p) { return seqs.count(p.seq) != 0; });
      if (before - held.size() != seqs.size()) {
        return Status::corruption(fmt::format("{}: by_time entry {:?} lacks {} of the seqs the execution index names",
                                              impl_.path, key, seqs.size() - (before - held.size())));
      }
      if (held.empty()) {
        batch->Delete(rocks_->family(layout::kByTime), key);
      } else {
        value.clear();
        postings::encode(held, &value);
        batch->Put(rocks_->family(layout::kByTime), key, value);
      }
    }
    return Status::ok_status();
  }

  // Rewrites each block holding one of `seqs` (sorted) with pruned records
  // in their place, deleting their by_id entries, into `batch`.
  Status rewrite_blocks(const std::vector<uint64_t>& seqs, rocksdb::WriteBatch* batch) {
    std::unique_ptr<rocksdb::Iterator> it(rocks_->db->NewIterator(rocksdb::ReadOptions(), rocks_->family(layout::kBlocks)));
    it->SeekToLast();
    const std::string newest_key = it->Valid() ? it->key().ToString() : std::string();
    size_t i = 0;
    block::Builder builder;
    std::string pruned_record;
    const auto held_by_no_block = [&](uint64_t seq) {
      return Status::corruption(fmt::format("{}: an index entry names seq {}, which no block holds", impl_.path, seq));
    };
    while (i < seqs.size()) {
      it->SeekForPrev(layout::seq_key(seqs[i]));
      block::Reader block;
      if (!it->Valid()) {
        if (Status s = detail::from_rocks(it->status(), impl_.path); !s.ok()) return s;
        return held_by_no_block(seqs[i]);
      }
      if (Status s = detail::read_block(*it, &block); !s.ok()) return s.with_context(impl_.path);
      if (!block.contains(seqs[i])) return held_by_no_block(seqs[i]);
      builder.clear();
      size_t left = 0;  // events the block keeps
      for (uint64_t seq = block.first_seq(); seq < block.first_seq() + block.count(); ++seq) {
        if (i < seqs.size() && seqs[i] == seq) {
          ++i;
          EventView e;
          if (Status s = block.record(seq, &e); !s.ok()) return s.with_context(impl_.path);
          batch->Delete(rocks_->family(layout::kById), e.event_id);
          touched_types_.emplace(e.event_type);
          pruned_record.clear();
          record::encode_pruned(seq, &pruned_record);
          builder.add_encoded(pruned_record);
        } else {
          const std::string_view kept = block.encoded(seq);
          if (kept.empty()) {  // damaged offsets: record() names them
            EventView unused;
            return block.record(seq, &unused).with_context(impl_.path);
          }
          if (!block.pruned(seq)) ++left;
          builder.add_encoded(kept);
        }
      }
      if (i < seqs.size() && block.contains(seqs[i])) {
        return Status::corruption(fmt::format("{}: seq {} is listed twice in the execution index", impl_.path, seqs[i]));
      }
      if (left == 0 && it->key().ToString() != newest_key) {
        batch->Delete(rocks_->family(layout::kBlocks), it->key());
      } else {
        batch->Put(rocks_->family(layout::kBlocks), it->key(), builder.finish());
      }
    }
    return Status::ok_status();
  }

  Store::Impl& impl_;
  const std::shared_ptr<detail::Instance> rocks_;  // a writer's: never replaced
  const PruneOptions& options_;
  PruneReport& r_;
  uint64_t shipped_ = UINT64_MAX;
  std::string holder_;
  std::set<std::string> touched_types_;
};

}  // namespace


Status Store::prune(const PruneOptions& options, PruneReport* report) {
  PruneReport local;
  PruneReport& r = report != nullptr ? *report : local;
  r = PruneReport{};
  if (read_only()) return Status::not_supported(fmt::format("{} is open as a read-only view", impl_->path));
  Impl& impl = *impl_;
  std::lock_guard<std::mutex> one_at_a_time(impl.prune_mutex);
  r.bytes_before = r.bytes_after = detail::store_bytes(impl);
  if (!options.any_limit()) return Status::ok_status();

  Pruner pruner(&impl, options, &r);
  if (Status s = pruner.load_marks(*this); !s.ok()) return s;
  // max_bytes picks executions at the store's bytes per event, and what a
  // compaction gives back differs from that: passes go on until the store
  // is within max_bytes, nothing more can go, or kMaxPasses.
  for (int pass = 0; pass < kMaxPasses; ++pass) {
    std::vector<ExecutionSummary> all;
    if (Status s = list_executions(&all); !s.ok()) return s;
    const std::vector<ExecutionSummary> chosen = select(std::move(all), options, r.bytes_after);
    if (chosen.empty()) break;
    const uint64_t removed_before = r.executions;
    r.kept_unreplicated = 0;  // counted again by each pass, over what it selected
    std::vector<const ExecutionSummary*> batch;
    uint64_t batch_events = 0;
    for (size_t i = 0; i < chosen.size(); ++i) {
      batch.push_back(&chosen[i]);
      batch_events += chosen[i].event_count;
      if (batch_events >= kBatchEvents || i + 1 == chosen.size()) {
        if (Status s = pruner.remove(batch); !s.ok()) return s;
        batch.clear();
        batch_events = 0;
      }
    }
    if (options.dry_run || r.executions == removed_before) break;
    if (Status s = pruner.rebuild_types(); !s.ok()) return s;
    if (Status s = pruner.compact(); !s.ok()) return s;
    r.bytes_after = detail::store_bytes(impl);
    if (!options.max_bytes || r.bytes_after <= *options.max_bytes) break;
  }
  return Status::ok_status();
}

}  // namespace streamll

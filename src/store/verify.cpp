// Store::verify(): the integrity check. Every event record is read once; the
// index entries and summaries the records imply are collected, sorted into
// each family's key order and walked beside the family, so that a missing,
// extra or misdirected entry is found without a point lookup per event.
#include <algorithm>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <rocksdb/db.h>

#include "common/coding.hpp"
#include "store/block.hpp"
#include "store/execution_summary.hpp"
#include "store/iterators.hpp"
#include "store/layout.hpp"
#include "store/postings.hpp"
#include "store/rocks_status.hpp"
#include "store/store_impl.hpp"
#include "store/type_summary.hpp"
#include "streamll/timestamp.hpp"

namespace streamll {

namespace {

// What one index entry must be: its key and (a hash of) its value (empty,
// or the seq of the event it points to). Hashes keep the memory at ~50 bytes per event.
struct Expected {
  std::string key;
  size_t target = 0;
};

size_t hash_bytes(std::string_view bytes) { return std::hash<std::string_view>{}(bytes); }

std::string_view view_of(const rocksdb::Slice& s) { return {s.data(), s.size()}; }

// Events in a recount, for the "no summary" message.
uint64_t count_of(const ExecutionSummary& s);
struct TypeCount;
uint64_t count_of(const TypeCount& t);

// What verify compares for one pair of a packed index: the group (an
// execution id, or nothing for by_time), then ts(8) and seq(8).
std::string pair_key(std::string_view group, int64_t ts, uint64_t seq) {
  std::string key(group);
  if (!group.empty()) key.push_back('\0');
  layout::put_ts(ts, &key);
  detail::put_be64(seq, &key);
  return key;
}

// How a problem names an entry of `family` that verify compares: a by_id
// key as it is, a pair of a packed index by its execution, seq and time.
std::string describe(layout::Family family, std::string_view key) {
  if (family == layout::kById || key.size() < 16) return fmt::format("key {:?}", key);
  const int64_t ts = layout::get_ts(key.substr(key.size() - 16, 8));
  const uint64_t seq = detail::get_be64(key.substr(key.size() - 8));
  const std::string when = format_timestamp(ts);
  if (family == layout::kByTime) return fmt::format("seq {} at {}", seq, when);
  return fmt::format("execution {:?}, seq {} at {}", key.substr(0, key.size() - 17), seq, when);
}

class Checker {
 public:
  explicit Checker(VerifyReport* report) : report_(report) {}

  void problem(std::string text) {
    if (report_->problems.size() < VerifyReport::kMaxProblems) report_->problems.push_back(std::move(text));
    ++report_->problem_count;
  }

  // Compares the entries of an index family, read into `actual`, with
  // `expected` (both sorted here), reporting entries that are missing,
  // extra, repeated or pointing at another event.
  void compare_index(layout::Family family, const char* name, std::vector<Expected>* expected,
                     std::vector<Expected>* actual) {
    const auto by_key = [](const Expected& a, const Expected& b) { return a.key < b.key; };
    std::sort(expected->begin(), expected->end(), by_key);
    std::sort(actual->begin(), actual->end(), by_key);
    size_t i = 0, j = 0;
    while (i < expected->size() || j < actual->size()) {
      if (i > 0 && i < expected->size() && (*expected)[i].key == (*expected)[i - 1].key) {
        problem(fmt::format("{}: {} belongs to more than one event", name, describe(family, (*expected)[i].key)));
        ++i;
        continue;
      }
      if (j > 0 && j < actual->size() && (*actual)[j].key == (*actual)[j - 1].key) {
        problem(fmt::format("{}: {} is listed more than once", name, describe(family, (*actual)[j].key)));
        ++j;
        continue;
      }
      const int order = i == expected->size() ? 1
                        : j == actual->size() ? -1
                                              : (*expected)[i].key.compare((*actual)[j].key);
      if (order < 0) {
        problem(fmt::format("{}: no entry for {}", name, describe(family, (*expected)[i].key)));
        ++i;
      } else if (order > 0) {
        problem(fmt::format("{}: {} points to no event", name, describe(family, (*actual)[j].key)));
        ++j;
      } else {
        if ((*actual)[j].target != (*expected)[i].target) {
          problem(fmt::format("{}: {} points to another event", name, describe(family, (*actual)[j].key)));
        }
        ++i;
        ++j;
      }
    }
  }

  // Walks a summary family beside the recounted summaries, in key order;
  // `check(key, stored bytes, recount)` reports differences.
  template <typename Summary, typename Check>
  Status compare_summaries(rocksdb::DB* db, const rocksdb::ReadOptions& ro, rocksdb::ColumnFamilyHandle* family,
                           const char* name, const std::map<std::string, Summary>& recount, Check check) {
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(ro, family));
    it->SeekToFirst();
    auto r = recount.begin();
    while (r != recount.end() || it->Valid()) {
      const int order = r == recount.end() ? 1 : !it->Valid() ? -1 : std::string_view(r->first).compare(view_of(it->key()));
      if (order < 0) {
        problem(fmt::format("{}: no summary for {:?}, which has {} events", name, r->first, count_of(r->second)));
        ++r;
      } else if (order > 0) {
        problem(fmt::format("{}: summary of {:?}, which has no events", name, it->key().ToString()));
        it->Next();
      } else {
        check(r->first, view_of(it->value()), r->second);
        ++r;
        it->Next();
      }
    }
    return detail::from_rocks(it->status());
  }

 private:
  VerifyReport* report_;
};

// The recount of one event type.
struct TypeCount {
  int64_t first_ts = 0;
  int64_t last_ts = 0;
  uint64_t events = 0;
};

uint64_t count_of(const ExecutionSummary& s) { return s.event_count; }
uint64_t count_of(const TypeCount& t) { return t.events; }

// Reads an index family into *out as verify compares it: by_id entries as
// they are; each pair of a packed entry (by_execution, by_time) as its
// pair_key. An entry that does not decode, or whose key does not fit its
// pairs (a pair of by_time outside the entry's bucket, a pair below the
// first seq the key names), is a problem of its own.
Status read_index(rocksdb::DB* db, const rocksdb::ReadOptions& ro, rocksdb::ColumnFamilyHandle* handle,
                  layout::Family family, const char* name, Checker* check, std::vector<Expected>* out) {
  const size_t no_value = hash_bytes("");
  std::vector<postings::Posting> pairs;
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(ro, handle));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    const std::string_view key = view_of(it->key());
    if (family == layout::kById) {
      out->push_back({std::string(key), hash_bytes(view_of(it->value()))});
      continue;
    }
    pairs.clear();
    if (Status d = postings::decode(view_of(it->value()), &pairs); !d.ok() || key.size() < 9) {
      check->problem(fmt::format("{}: entry {:?}: {}", name, key, d.ok() ? "key too short" : d.message()));
      continue;
    }
    const uint64_t first_seq = layout::seq_of_index_key(key);
    const std::string_view group = family == layout::kByTime ? std::string_view() : key.substr(0, key.size() - 9);
    for (const postings::Posting& p : pairs) {
      if (p.seq < first_seq || (family == layout::kByTime && (key.size() != 16 || layout::bucket_of_time_key(key) != layout::time_bucket(p.ts)))) {
        check->problem(fmt::format("{}: entry {:?} holds seq {} at {}, which its key does not cover", name, key, p.seq, p.ts));
      }
      out->push_back({pair_key(group, p.ts, p.seq), no_value});
    }
  }
  return detail::from_rocks(it->status());
}

}  // namespace

Status Store::verify(VerifyReport* report) const {
  VerifyReport local;
  VerifyReport& r = report != nullptr ? *report : local;
  r = VerifyReport{};
  Impl& impl = *impl_;
  const std::shared_ptr<detail::Instance> rocks = impl.rocks();  // the same one throughout
  rocksdb::DB* db = rocks->db.get();
  Checker check(&r);

  if (const rocksdb::Status s = db->VerifyChecksum(); !s.ok()) {
    check.problem(fmt::format("table files: {}", s.ToString()));
  }

  // One snapshot for every family: appends running meanwhile are invisible.
  // (Views read the state of their last refresh(), which is fixed anyway.)
  rocksdb::ReadOptions ro;
  const rocksdb::Snapshot* snapshot = read_only() ? nullptr : db->GetSnapshot();
  ro.snapshot = snapshot;
  struct Release {
    rocksdb::DB* db;
    const rocksdb::Snapshot* s;
    ~Release() {
      if (s != nullptr) db->ReleaseSnapshot(s);
    }
  } release{db, snapshot};

  if (std::string v; !db->Get(ro, layout::kFormatVersionKey, &v).ok()) {
    check.problem("no format version");
  }

  std::vector<Expected> by_execution, by_time, by_id;
  std::map<std::string, ExecutionSummary> executions;
  std::map<std::string, TypeCount> types;
  uint64_t max_seq = 0;
  const size_t no_value = hash_bytes("");
  std::string seq_bytes;
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(ro, rocks->family(layout::kBlocks)));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    block::Reader block;
    if (Status d = detail::read_block(*it, &block); !d.ok()) {
      check.problem(fmt::format("blocks: {}", d.message()));
      continue;
    }
    if (block.first_seq() <= max_seq) {
      check.problem(fmt::format("blocks: the block at seq {} overlaps the one before it, which ends at seq {}",
                                block.first_seq(), max_seq));
    }
    max_seq = std::max(max_seq, block.first_seq() + block.count() - 1);
    for (uint64_t seq = block.first_seq(); seq < block.first_seq() + block.count(); ++seq) {
      if (block.pruned(seq)) {
        if (Status d = block.pruned_ok(seq); !d.ok()) check.problem(d.message());
        continue;
      }
      ++r.events;
      EventView e;
      if (Status d = block.record(seq, &e); !d.ok()) {
        check.problem(d.message());
        continue;
      }
      by_execution.push_back({pair_key(e.execution_id, e.timestamp, seq), no_value});
      by_time.push_back({pair_key("", e.timestamp, seq), no_value});
      seq_bytes.clear();
      detail::put_be64(seq, &seq_bytes);
      by_id.push_back({std::string(e.event_id), hash_bytes(seq_bytes)});

      const ExecutionSummary one = execution_summary::of_event(e.timestamp, e.event_type);
      auto [ex, fresh] = executions.try_emplace(std::string(e.execution_id), one);
      if (!fresh) execution_summary::combine(one, &ex->second);
      auto [ty, new_type] = types.try_emplace(std::string(e.event_type), TypeCount{e.timestamp, e.timestamp, 0});
      ty->second.first_ts = std::min(ty->second.first_ts, e.timestamp);
      ty->second.last_ts = std::max(ty->second.last_ts, e.timestamp);
      ++ty->second.events;
    }
  }
  if (Status s = detail::from_rocks(it->status(), impl.path); !s.ok()) return s;
  it.reset();

  std::vector<Expected> actual;
  for (auto [family, name, expected] : {std::tuple{layout::kByExecution, "by_execution", &by_execution},
                                        std::tuple{layout::kByTime, "by_time", &by_time},
                                        std::tuple{layout::kById, "by_id", &by_id}}) {
    if (Status s = read_index(db, ro, rocks->family(family), family, name, &check, &actual); !s.ok()) return s;
    check.compare_index(family, name, expected, &actual);
    for (std::vector<Expected>* v : {expected, &actual}) {
      v->clear();
      v->shrink_to_fit();
    }
  }

  Status s = check.compare_summaries(
      db, ro, rocks->family(layout::kExecutions), "executions", executions,
      [&](const std::string& id, std::string_view bytes, const ExecutionSummary& want) {
        ++r.executions;
        ExecutionSummary stored;
        if (!execution_summary::decode(bytes, &stored)) {
          check.problem(fmt::format("executions: the summary of {:?} is malformed", id));
          return;
        }
        if (stored.event_count != want.event_count || stored.error_count != want.error_count ||
            stored.first_ts != want.first_ts || stored.last_ts != want.last_ts) {
          check.problem(fmt::format(
              "executions: {:?} says {} events, {} errors, {}..{}; its events say {}, {}, {}..{}", id,
              stored.event_count, stored.error_count, stored.first_ts, stored.last_ts, want.event_count,
              want.error_count, want.first_ts, want.last_ts));
        }
      });
  if (!s.ok()) return s;

  // A prune between removing events and counting the registry again (or
  // killed there: the next writer's open recounts it) marks it stale.
  if (std::string stale; db->Get(ro, rocks->family(layout::kMeta), layout::kTypesStaleKey, &stale).ok()) {
    types.clear();
    r.event_types = 0;
  } else {
    s = check.compare_summaries(
      db, ro, rocks->family(layout::kTypes), "event_types", types,
      [&](const std::string& type, std::string_view bytes, const TypeCount& recount) {
        ++r.event_types;
        EventTypeSummary stored;
        if (Status d = type_summary::decode(bytes, &stored); !d.ok()) {
          check.problem(fmt::format("event_types: {:?}: {}", type, d.message()));
          return;
        }
        if (stored.count != recount.events || stored.first_ts != recount.first_ts ||
            stored.last_ts != recount.last_ts) {
          check.problem(fmt::format("event_types: {:?} says {} events, {}..{}; its events say {}, {}..{}", type,
                                    stored.count, stored.first_ts, stored.last_ts, recount.events,
                                    recount.first_ts, recount.last_ts));
        }
      });
  }
  if (!s.ok()) return s;

  if (max_seq > last_seq()) {
    check.problem(fmt::format("an event has seq {}, beyond the store's last seq {}", max_seq, last_seq()));
  }
  if (r.problem_count == 0) return Status::ok_status();
  return Status::corruption(fmt::format("{}: {} problem{} found; the first: {}", impl.path, r.problem_count,
                                        r.problem_count == 1 ? "" : "s", r.problems.front()));
}

}  // namespace streamll

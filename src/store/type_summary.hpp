// The event-type registry (the types family): per event_type, first and
// last timestamp, count and the data keys seen, kept current by a merge
// operator like the execution summaries.
#pragma once

#include <deque>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include <rocksdb/merge_operator.h>

#include "streamll/event.hpp"
#include "streamll/status.hpp"
#include "streamll/store.hpp"

namespace streamll::type_summary {

// What one append learns about one type before it is encoded: the keys are
// views into the batch's events, collected without copying.
struct Pending {
  int64_t first_ts = 0;
  int64_t last_ts = 0;
  uint64_t count = 0;
  std::vector<std::string_view> keys;  // unique, unsorted
  std::unordered_set<std::string_view> seen;  // the same keys, for the uniqueness check

  // Counts one event of this type with this data. Cost: one hash lookup per
  // key of data (a linear search here made an event with 100k distinct keys
  // quadratic).
  void add(int64_t ts, const Json& data);

  // The same for data as JSON text, valid (validated or stored): the keys
  // are views into it, or into `decoded` for a key written with escapes.
  // Cost: a pass over the text's bytes (strings skipped with memchr).
  void add(int64_t ts, std::string_view data_json);

 private:
  void count_event(int64_t ts);
  std::deque<std::string> decoded;
};

// A type's entry counted again from its stored events (prune rebuilds the
// entries of the types whose events it removed): the same fields an append
// would have merged, from each record's data text.
class Recount {
 public:
  // Counts one event of this type. Cost: a pass over data_json's bytes for
  // its top-level keys (stored text, valid JSON).
  void add(int64_t ts, std::string_view data_json);
  uint64_t count() const { return summary_.count; }
  // The entry, keys sorted and capped like an append's.
  const EventTypeSummary& summary();

 private:
  EventTypeSummary summary_;
  std::set<std::string, std::less<>> keys_;
};

// first_ts, last_ts, count (u64 each), a truncated flag (u8), a key count
// (varint), then each key (varint length, bytes), sorted and unique.
void encode(const Pending& p, std::string* out);
void encode(const EventTypeSummary& s, std::string* out);
Status decode(std::string_view bytes, EventTypeSummary* out);  // Corruption names the field

// Folds `add` into `into`: min, max, sum, union of the keys capped at
// kMaxDataKeys (the smallest; associative, so merge order does not matter).
void combine(const EventTypeSummary& add, EventTypeSummary* into);

// The merge operator of the types column family.
std::shared_ptr<rocksdb::MergeOperator> merge_operator();

}  // namespace streamll::type_summary

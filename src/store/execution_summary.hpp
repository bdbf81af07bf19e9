// Per-execution summaries (the executions family): first and last
// timestamp, event and error counts, kept current by a merge operator.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include <rocksdb/merge_operator.h>

#include "streamll/store.hpp"

namespace streamll::execution_summary {

// 32 bytes: first_ts, last_ts, event_count, error_count (little-endian).
void encode(const ExecutionSummary& s, std::string* out);
bool decode(std::string_view bytes, ExecutionSummary* out);  // false if malformed

// The summary of one event of `event_type` at `ts` (no execution_id set):
// what append() merges per event, and what verify() recounts with.
ExecutionSummary of_event(int64_t ts, std::string_view event_type);

// Folds `add` into `into`: min first_ts, max last_ts, summed counts.
void combine(const ExecutionSummary& add, ExecutionSummary* into);

// The merge operator of the executions column family.
std::shared_ptr<rocksdb::MergeOperator> merge_operator();

}  // namespace streamll::execution_summary

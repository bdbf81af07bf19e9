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

// Folds `add` into `into`: min first_ts, max last_ts, summed counts.
void combine(const ExecutionSummary& add, ExecutionSummary* into);

// The merge operator of the executions column family.
std::shared_ptr<rocksdb::MergeOperator> merge_operator();

}  // namespace streamll::execution_summary

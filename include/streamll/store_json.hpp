// JSON renderings of what a store reports (execution summaries, event types,
// stats), shared by the CLI's --format json and the dashboard's API so that
// both always say the same thing under the same names.
//
// Thread-safety: pure functions; call them from any thread.
#pragma once

#include "streamll/event.hpp"
#include "streamll/store.hpp"
#include "streamll/store_stats.hpp"

namespace streamll {

// The columns of SQL's `executions` table, under the same names and in the
// same order: {"execution_id","started_at","ended_at","duration_ms",
// "event_count","error_count","first_ts_ns","last_ts_ns"}
Json to_json(const ExecutionSummary& summary);

// The columns of SQL's `event_types` table, under the same names and in the
// same order, data_keys as an array and data_keys_truncated as a boolean
// (SQL: JSON text and 0/1): {"event_type","count","first_seen","last_seen",
// "data_keys","data_keys_truncated","first_ts_ns","last_ts_ns"}
Json to_json(const EventTypeSummary& type);

// {"events","executions","event_types","last_seq","oldest","newest" (null
// when empty),"format_version","families":{name:{table_bytes,memtable_bytes,
// entries}},"wal_bytes","disk_bytes","replication":[{target,shipped_seq,
// behind,updated}]}
Json to_json(const StoreStats& stats);

}  // namespace streamll

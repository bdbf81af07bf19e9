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

// {"execution_id","started_at","ended_at","first_ts_ns","last_ts_ns",
//  "duration_ms","event_count","error_count"}
Json to_json(const ExecutionSummary& summary);

// {"event_type","count","first_seen","last_seen","first_ts_ns","last_ts_ns",
//  "data_keys","data_keys_truncated"}
Json to_json(const EventTypeSummary& type);

// {"events","executions","event_types","last_seq","oldest","newest" (null
// when empty),"format_version","families":{name:{table_bytes,memtable_bytes,
// entries}},"wal_bytes","disk_bytes","replication":[{target,shipped_seq,
// behind,updated}]}
Json to_json(const StoreStats& stats);

}  // namespace streamll

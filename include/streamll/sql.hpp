// SQL over the event log: SQLite virtual tables that read a store.
//
//   events(event_id, execution_id, timestamp, ts_ns, event_type, module_name,
//          method_name, operation, data, tags, seq)
//   executions(execution_id, started_at, ended_at, duration_ms, event_count,
//          error_count, first_ts_ns, last_ts_ns)
//   event_types(event_type, count, first_seen, last_seen, data_keys,
//          data_keys_truncated, first_ts_ns, last_ts_ns)
//
// executions and event_types read the store's summaries (Store::
// list_executions, list_event_types), so they cost O(rows), never a scan of
// events; data_keys is a JSON array of the top-level data keys seen.
//
// timestamp is RFC 3339 text (microseconds, Z); data and tags are JSON text,
// so data->>'$.num_docs', json_extract and json_each work unchanged. The
// tables are read-only. Constraints on event_id, execution_id, ts_ns,
// timestamp, seq and event_type (=, ranges, LIKE 'x.%' / GLOB 'x.*' prefixes)
// are pushed down into the store's indexes (src/sql/events_table.cpp
// documents the plans); every other condition SQLite evaluates itself.
//
// Thread-safety: as SQLite's: one connection per thread. Each statement
// reads the store as of its start; a store another process writes is
// refreshed at the start of each query.
#pragma once

#include <sqlite3.h>

#include "streamll/status.hpp"
#include "streamll/store.hpp"

namespace streamll::sql {

// Registers the modules streamll_events, streamll_executions and
// streamll_event_types on `db` and creates the tables temp.events,
// temp.executions and temp.event_types over `store`,
// which must outlive them. Other tables over other stores can be made with
//   CREATE VIRTUAL TABLE temp.x USING streamll_events('/path/to/store')
// which opens a read-only view of that store.
Status register_tables(sqlite3* db, Store* store);

// Registers the modules only. With a non-null `store`, a table created
// without a path argument reads it.
int register_modules(sqlite3* db, Store* store);

}  // namespace streamll::sql

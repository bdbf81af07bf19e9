// The dashboard's JSON API: each function answers one GET endpoint of
// serve.hpp from the store, independent of the HTTP library. A failed
// Status maps to the HTTP status: InvalidArgument 400, NotFound 404,
// everything else 500. Each call refreshes the view first, so answers are
// live. Thread-safe (the Store's reads are).
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "streamll/status.hpp"
#include "streamll/store.hpp"

namespace streamll::serve {

using Params = std::multimap<std::string, std::string>;

// GET /api/executions: newest first. Parameters (all optional): limit
// (1-500, default 50), offset, since/until (first event in [since, until):
// ns since the epoch or RFC 3339), errors=1 (only executions with an error),
// type (an execution with an event of this TypePattern), module (with an
// event of this module_name), q (text in the execution id, or in an event's
// type, module or data). Answers {"total":N,"offset":O,"executions":[...]}.
// Cost: the summaries (O(executions)); type, module and q add a scan of the
// events; each listed execution adds a scan of its events for token counts.
Status list_executions(Store& store, const Params& params, std::string* body);

// GET /api/executions/ID: {"execution":{...},"types":{type:count},
// "spans":[...],"events":[...],"offset":O,"total":N}. Spans cover the whole
// execution (spans.hpp; with offset_ms from the execution's start); events are a page of it in time order (offset,
// limit 1-10000, default 2000), each with the index of its span. Cost: one
// scan of the execution's events, JSON text only for the page.
Status get_execution(Store& store, std::string_view execution_id, const Params& params, std::string* body);

// GET /api/events/ID: the event as upstream's JSON plus seq and ts_ns.
Status get_event(Store& store, std::string_view event_id, std::string* body);

// GET /api/event_types: the registry, most frequent first.
Status list_event_types(Store& store, std::string* body);

// GET /api/compare?a=ID&b=ID: compare.hpp's comparison as JSON (at most
// 1000 data differences). Cost: a scan of both executions.
Status compare(Store& store, const Params& params, std::string* body);

// GET /api/stats: Store::stats() as JSON.
Status get_stats(Store& store, std::string* body);

// A parameter's value, or "" when absent.
std::string param(const Params& params, const std::string& name);

}  // namespace streamll::serve

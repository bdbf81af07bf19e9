// Compare: what differs between two executions (streamll diff, and the
// dashboard's compare page): their event types and counts, their spans'
// durations, and the data of events that correspond.
//
// Events correspond when they have the same event_type and module_name and
// the same rank among such events in their execution (the 2nd
// "rag.retrieval.complete" of RAGPipeline in A with the 2nd in B); spans
// likewise by name, module and rank. Data are compared field by field, as
// JSON pointer paths to leaves ("/docs/0/score"); a field present on one
// side only differs too.
//
// Thread-safety: compare_executions reads the store (thread-safe); the
// result is a plain value.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "streamll/event.hpp"
#include "streamll/status.hpp"
#include "streamll/store.hpp"

namespace streamll {

struct ExecutionComparison {
  ExecutionSummary a, b;

  struct TypeCount {
    std::string event_type;
    uint64_t a = 0, b = 0;  // events of this type in each
  };
  std::vector<TypeCount> types;  // every type of either, by name

  struct SpanPair {
    std::string name, module_name;
    size_t rank = 0;                    // 0 for the first span of this name and module
    std::optional<uint64_t> a_ns, b_ns; // durations; none where that side lacks it
    std::string a_status, b_status;     // Span::status(), "" where missing
  };
  std::vector<SpanPair> spans;  // in A's order, then those only B has

  struct DataDifference {
    std::string event_type, module_name;
    size_t rank = 0;
    std::string path;           // JSON pointer into data ("" for data itself)
    std::optional<Json> a, b;   // none where the field is missing on that side
  };
  std::vector<DataDifference> data;  // in A's event order
  bool data_truncated = false;       // more than max_differences were found
};

// Compares executions `a` and `b`. NotFound names a missing execution.
// Cost: a scan of both executions, holding their events' data parsed in
// memory (O(events of both)); at most max_differences data differences are
// kept.
Status compare_executions(Store& store, std::string_view a, std::string_view b, size_t max_differences,
                          ExecutionComparison* out);

// The comparison as JSON: {"a":summary,"b":summary,"types":[{event_type,a,b}],
// "spans":[{name,module_name,rank,a_ms,b_ms,a_status,b_status}],
// "data":[{event_type,module_name,rank,path,a,b}],"data_truncated":B}, with
// null for what a side lacks (a missing field's a/b is left out).
Json to_json(const ExecutionComparison& comparison);

}  // namespace streamll

#include "store/summary_columns.hpp"

#include "streamll/timestamp.hpp"

namespace streamll::detail {

namespace {

Cell text(std::string_view v) { return Cell{.type = CellType::kText, .text = v}; }
Cell timestamp(int64_t ns) { return Cell{.type = CellType::kText, .owned = format_timestamp(ns)}; }
Cell integer(int64_t v) { return Cell{.type = CellType::kInteger, .integer = v}; }
Cell count(uint64_t v) { return integer(static_cast<int64_t>(v)); }

using Execution = SummaryColumn<ExecutionSummary>;
constexpr Execution kExecutionColumns[] = {
    {"execution_id", CellType::kText, [](const ExecutionSummary& s) { return text(s.execution_id); }},
    {"started_at", CellType::kText, [](const ExecutionSummary& s) { return timestamp(s.first_ts); }},
    {"ended_at", CellType::kText, [](const ExecutionSummary& s) { return timestamp(s.last_ts); }},
    {"duration_ms", CellType::kReal,
     [](const ExecutionSummary& s) {
       return Cell{.type = CellType::kReal, .real = static_cast<double>(s.duration_ns()) / 1e6};
     }},
    {"event_count", CellType::kInteger, [](const ExecutionSummary& s) { return count(s.event_count); }},
    {"error_count", CellType::kInteger, [](const ExecutionSummary& s) { return count(s.error_count); }},
    {"first_ts_ns", CellType::kInteger, [](const ExecutionSummary& s) { return integer(s.first_ts); }},
    {"last_ts_ns", CellType::kInteger, [](const ExecutionSummary& s) { return integer(s.last_ts); }},
};

using EventType = SummaryColumn<EventTypeSummary>;
constexpr EventType kEventTypeColumns[] = {
    {"event_type", CellType::kText, [](const EventTypeSummary& t) { return text(t.event_type); }},
    {"count", CellType::kInteger, [](const EventTypeSummary& t) { return count(t.count); }},
    {"first_seen", CellType::kText, [](const EventTypeSummary& t) { return timestamp(t.first_ts); }},
    {"last_seen", CellType::kText, [](const EventTypeSummary& t) { return timestamp(t.last_ts); }},
    {"data_keys", CellType::kTextList,
     [](const EventTypeSummary& t) { return Cell{.type = CellType::kTextList, .list = &t.data_keys}; }},
    {"data_keys_truncated", CellType::kBool,
     [](const EventTypeSummary& t) { return Cell{.type = CellType::kBool, .integer = t.data_keys_truncated ? 1 : 0}; }},
    {"first_ts_ns", CellType::kInteger, [](const EventTypeSummary& t) { return integer(t.first_ts); }},
    {"last_ts_ns", CellType::kInteger, [](const EventTypeSummary& t) { return integer(t.last_ts); }},
};

// The tables' index strings name a column by one digit.
static_assert(std::size(kExecutionColumns) <= 10 && std::size(kEventTypeColumns) <= 10);

}  // namespace

std::span<const SummaryColumn<ExecutionSummary>> execution_columns() { return kExecutionColumns; }

std::span<const SummaryColumn<EventTypeSummary>> event_type_columns() { return kEventTypeColumns; }

}  // namespace streamll::detail

// The columns of the execution and event-type summaries, defined once: the
// SQL tables `executions` and `event_types` (src/sql/) and their JSON
// renderings (store_json.hpp: the CLI's --format json, the dashboard's API)
// both take their names, order and values from here, so that they can never
// disagree on a column.
//
// Thread-safety: constant tables and pure functions.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "streamll/store.hpp"

namespace streamll::detail {

// What a column holds, and so how SQL and JSON show it: kBool is an integer
// 0/1 in SQL and a boolean in JSON; kTextList is JSON text in SQL and an
// array in JSON.
enum class CellType { kText, kInteger, kReal, kBool, kTextList };

// One row's value of one column. Text is a view into the row, or `owned`
// when it is computed (a timestamp's text).
struct Cell {
  CellType type = CellType::kInteger;
  std::string_view text;
  std::string owned;
  int64_t integer = 0;  // kInteger, kBool (0 or 1)
  double real = 0;
  const std::vector<std::string>* list = nullptr;

  std::string_view as_text() const { return owned.empty() ? text : std::string_view(owned); }
};

template <typename Row>
struct SummaryColumn {
  const char* name;
  CellType type;
  Cell (*get)(const Row& row);
};

// execution_id, started_at, ended_at, duration_ms, event_count,
// error_count, first_ts_ns, last_ts_ns.
std::span<const SummaryColumn<ExecutionSummary>> execution_columns();

// event_type, count, first_seen, last_seen, data_keys, data_keys_truncated,
// first_ts_ns, last_ts_ns.
std::span<const SummaryColumn<EventTypeSummary>> event_type_columns();

// "CREATE TABLE x(name TYPE, ...)" for a virtual table over `columns`.
template <typename Row>
std::string table_schema(std::span<const SummaryColumn<Row>> columns) {
  std::string out = "CREATE TABLE x(";
  for (size_t i = 0; i < columns.size(); ++i) {
    if (i > 0) out += ", ";
    out += columns[i].name;
    switch (columns[i].type) {
      case CellType::kInteger:
      case CellType::kBool: out += " INTEGER"; break;
      case CellType::kReal: out += " REAL"; break;
      case CellType::kText:
      case CellType::kTextList: out += " TEXT"; break;
    }
  }
  return out + ")";
}

}  // namespace streamll::detail

// The executions virtual table: one row per execution, from the store's
// summaries (never a scan of events).
//
//   idxNum  plan      reads
//   1       one       Store::get_execution(execution_id)   argv[0]: the id
//   2       all       Store::list_executions()             ordered by execution_id
//
// The constraint is not omitted (SQLite re-checks it); ORDER BY execution_id
// ascending is consumed.
#include <vector>

#include "sql/table_base.hpp"
#include "sql/tables.hpp"
#include "streamll/timestamp.hpp"

namespace streamll::sql::detail {

namespace {

enum Column { kExecutionId, kStartedAt, kEndedAt, kDurationMs, kEventCount, kErrorCount, kFirstTsNs, kLastTsNs };

constexpr const char* kSchema =
    "CREATE TABLE x(execution_id TEXT, started_at TEXT, ended_at TEXT, duration_ms REAL, "
    "event_count INTEGER, error_count INTEGER, first_ts_ns INTEGER, last_ts_ns INTEGER)";

enum Plan { kOne = 1, kAll = 2 };

int best_index(sqlite3_vtab*, sqlite3_index_info* info) {
  info->idxNum = kAll;
  info->estimatedCost = 1e4;
  info->estimatedRows = 1e4;
  for (int i = 0; i < info->nConstraint; ++i) {
    const auto& c = info->aConstraint[i];
    const char* collation = sqlite3_vtab_collation(info, i);
    if (c.usable && c.iColumn == kExecutionId && c.op == SQLITE_INDEX_CONSTRAINT_EQ &&
        (collation == nullptr || sqlite3_stricmp(collation, "BINARY") == 0)) {
      info->aConstraintUsage[i].argvIndex = 1;
      info->idxNum = kOne;
      info->estimatedCost = 1;
      info->estimatedRows = 1;
      info->idxFlags |= SQLITE_INDEX_SCAN_UNIQUE;
      break;
    }
  }
  info->orderByConsumed = info->idxNum == kOne ||
                          (info->nOrderBy == 1 && info->aOrderBy[0].iColumn == kExecutionId && !info->aOrderBy[0].desc);
  return SQLITE_OK;
}

struct Cursor : sqlite3_vtab_cursor {
  std::vector<ExecutionSummary> rows;
  size_t pos = 0;
};

int filter(sqlite3_vtab_cursor* base, int idx_num, const char*, int argc, sqlite3_value** argv) {
  auto* cur = static_cast<Cursor*>(base);
  auto* table = static_cast<TableBase*>(cur->pVtab);
  refresh_for_query(table);
  cur->rows.clear();
  cur->pos = 0;
  Status s;
  if (idx_num == kOne && argc == 1) {
    if (sqlite3_value_type(argv[0]) == SQLITE_NULL) return SQLITE_OK;
    const auto* id = reinterpret_cast<const char*>(sqlite3_value_text(argv[0]));
    ExecutionSummary one;
    s = table->store->get_execution(std::string(id, static_cast<size_t>(sqlite3_value_bytes(argv[0]))), &one);
    if (s.ok()) cur->rows.push_back(std::move(one));
    if (s.is_not_found()) s = Status::ok_status();
  } else {
    s = table->store->list_executions(&cur->rows);
  }
  if (s.ok()) return SQLITE_OK;
  sqlite3_free(table->zErrMsg);
  table->zErrMsg = sqlite3_mprintf("%s", s.message().c_str());
  return SQLITE_ERROR;
}

int next(sqlite3_vtab_cursor* base) {
  ++static_cast<Cursor*>(base)->pos;
  return SQLITE_OK;
}

int eof(sqlite3_vtab_cursor* base) {
  const auto* cur = static_cast<Cursor*>(base);
  return cur->pos >= cur->rows.size() ? 1 : 0;
}

int column(sqlite3_vtab_cursor* base, sqlite3_context* ctx, int col) {
  const auto* cur = static_cast<Cursor*>(base);
  const ExecutionSummary& s = cur->rows[cur->pos];
  const auto text = [ctx](const std::string& t) {
    sqlite3_result_text(ctx, t.data(), static_cast<int>(t.size()), SQLITE_TRANSIENT);
  };
  switch (col) {
    case kExecutionId: text(s.execution_id); break;
    case kStartedAt: text(format_timestamp(s.first_ts)); break;
    case kEndedAt: text(format_timestamp(s.last_ts)); break;
    case kDurationMs: sqlite3_result_double(ctx, static_cast<double>(s.duration_ns()) / 1e6); break;
    case kEventCount: sqlite3_result_int64(ctx, static_cast<sqlite3_int64>(s.event_count)); break;
    case kErrorCount: sqlite3_result_int64(ctx, static_cast<sqlite3_int64>(s.error_count)); break;
    case kFirstTsNs: sqlite3_result_int64(ctx, s.first_ts); break;
    case kLastTsNs: sqlite3_result_int64(ctx, s.last_ts); break;
  }
  return SQLITE_OK;
}

int rowid(sqlite3_vtab_cursor* base, sqlite3_int64* out) {
  *out = static_cast<sqlite3_int64>(static_cast<Cursor*>(base)->pos);
  return SQLITE_OK;
}

int connect(sqlite3* db, void* aux, int argc, const char* const* argv, sqlite3_vtab** out, char** err) {
  return connect_table(db, aux, argc, argv, kSchema, out, err);
}

}  // namespace

const sqlite3_module* executions_module() {
  static const sqlite3_module module =
      read_only_module<Cursor>({connect, best_index, filter, next, eof, column, rowid});
  return &module;
}

}  // namespace streamll::sql::detail

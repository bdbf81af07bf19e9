// The executions virtual table: one row per execution, from the store's
// summaries (never a scan of events). Plans: summary_table.hpp.
#include "sql/summary_table.hpp"
#include "sql/tables.hpp"
#include "streamll/timestamp.hpp"

namespace streamll::sql::detail {

namespace {

struct Executions {
  using Row = ExecutionSummary;

  enum Column { kExecutionId, kStartedAt, kEndedAt, kDurationMs, kEventCount, kErrorCount, kFirstTsNs, kLastTsNs };

  static constexpr const char* kSchema =
      "CREATE TABLE x(execution_id TEXT, started_at TEXT, ended_at TEXT, duration_ms REAL, "
      "event_count INTEGER, error_count INTEGER, first_ts_ns INTEGER, last_ts_ns INTEGER)";

  static Status list(const Store& store, std::vector<Row>* out) { return store.list_executions(out); }
  static Status get(const Store& store, std::string_view id, Row* out) { return store.get_execution(id, out); }

  static std::string_view key(const Row& s) { return s.execution_id; }
  static bool is_integer(int col) { return col == kEventCount || col == kErrorCount || col == kFirstTsNs || col == kLastTsNs; }
  static int64_t integer(const Row& s, int col) {
    switch (col) {
      case kEventCount: return static_cast<int64_t>(s.event_count);
      case kErrorCount: return static_cast<int64_t>(s.error_count);
      case kFirstTsNs: return s.first_ts;
      default: return s.last_ts;
    }
  }

  static void column(const Row& s, sqlite3_context* ctx, int col) {
    switch (col) {
      case kExecutionId: result_text(ctx, s.execution_id); break;
      case kStartedAt: result_text(ctx, format_timestamp(s.first_ts)); break;
      case kEndedAt: result_text(ctx, format_timestamp(s.last_ts)); break;
      case kDurationMs: sqlite3_result_double(ctx, static_cast<double>(s.duration_ns()) / 1e6); break;
      case kEventCount: sqlite3_result_int64(ctx, static_cast<sqlite3_int64>(s.event_count)); break;
      case kErrorCount: sqlite3_result_int64(ctx, static_cast<sqlite3_int64>(s.error_count)); break;
      case kFirstTsNs: sqlite3_result_int64(ctx, s.first_ts); break;
      case kLastTsNs: sqlite3_result_int64(ctx, s.last_ts); break;
    }
  }
};

}  // namespace

const sqlite3_module* executions_module() { return SummaryTable<Executions>::module(); }

}  // namespace streamll::sql::detail

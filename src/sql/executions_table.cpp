// The executions virtual table: one row per execution, from the store's
// summaries (never a scan of events). Plans: summary_table.hpp.
#include "sql/summary_table.hpp"
#include "sql/tables.hpp"

namespace streamll::sql::detail {

namespace {

struct Executions : ColumnsOf<ExecutionSummary, streamll::detail::execution_columns> {
  static Status list(const Store& store, std::vector<Row>* out) { return store.list_executions(out); }
  static Status get(const Store& store, std::string_view id, Row* out) { return store.get_execution(id, out); }
  static std::string_view key(const Row& s) { return s.execution_id; }
};

}  // namespace

const sqlite3_module* executions_module() { return SummaryTable<Executions>::module(); }

}  // namespace streamll::sql::detail

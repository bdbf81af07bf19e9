#include <fmt/format.h>

#include "sql/tables.hpp"
#include "streamll/sql.hpp"

namespace streamll::sql {

int register_modules(sqlite3* db, Store* store) {
  int rc = sqlite3_create_module(db, "streamll_events", detail::events_module(), store);
  if (rc == SQLITE_OK) rc = sqlite3_create_module(db, "streamll_executions", detail::executions_module(), store);
  if (rc == SQLITE_OK) rc = sqlite3_create_module(db, "streamll_event_types", detail::event_types_module(), store);
  return rc;
}

Status register_tables(sqlite3* db, Store* store) {
  if (const int rc = register_modules(db, store); rc != SQLITE_OK) {
    return Status::invalid_argument(fmt::format("cannot register the streamll modules: {}", sqlite3_errstr(rc)));
  }
  char* err = nullptr;
  const int rc = sqlite3_exec(db,
                              "CREATE VIRTUAL TABLE temp.events USING streamll_events;"
                              "CREATE VIRTUAL TABLE temp.executions USING streamll_executions;"
                              "CREATE VIRTUAL TABLE temp.event_types USING streamll_event_types;",
                              nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    Status s = Status::invalid_argument(fmt::format("cannot create the streamll tables: {}", err ? err : sqlite3_errstr(rc)));
    sqlite3_free(err);
    return s;
  }
  return Status::ok_status();
}

}  // namespace streamll::sql

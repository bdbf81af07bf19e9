// The loadable extension for the stock sqlite3 shell:
//   .load ./build/streamll
//   CREATE VIRTUAL TABLE temp.events USING streamll_events('/path/to/store');
//   CREATE VIRTUAL TABLE temp.executions USING streamll_executions('/path/to/store');
//   CREATE VIRTUAL TABLE temp.event_types USING streamll_event_types('/path/to/store');
// Each table opens a read-only live view of its store, so it works beside a
// running application and sees new events at each query. Compiled without
// SQLITE_CORE (sql/sqlite_api.hpp): the tables call the SQLite that loaded
// the extension, through the routines it hands to the entry point.
#include "sql/sqlite_api.hpp"

#include "streamll/sql.hpp"

SQLITE_EXTENSION_INIT1

extern "C" {

// The entry point SQLite looks for in a file named streamll.so (and
// _streamll.*.so, the Python module).
__attribute__((visibility("default"))) int sqlite3_streamll_init(sqlite3* db, char** err,
                                                                  const sqlite3_api_routines* api) {
  SQLITE_EXTENSION_INIT2(api);
  const int rc = streamll::sql::register_modules(db, nullptr);
  if (rc != SQLITE_OK) *err = sqlite3_mprintf("streamll: cannot register modules: %s", sqlite3_errstr(rc));
  return rc;
}

}

// The loadable extension for the stock sqlite3 shell:
//   .load ./build/streamll
//   CREATE VIRTUAL TABLE temp.events USING streamll_events('/path/to/store');
//   CREATE VIRTUAL TABLE temp.executions USING streamll_executions('/path/to/store');
//   CREATE VIRTUAL TABLE temp.event_types USING streamll_event_types('/path/to/store');
// Each table opens a read-only live view of its store, so it works beside a
// running application and sees new events at each query.
#include <sqlite3.h>

#include "streamll/sql.hpp"

extern "C" {

// The entry point SQLite looks for in a file named streamll.so.
__attribute__((visibility("default"))) int sqlite3_streamll_init(sqlite3* db, char** err,
                                                                  const sqlite3_api_routines*) {
  const int rc = streamll::sql::register_modules(db, nullptr);
  if (rc != SQLITE_OK) *err = sqlite3_mprintf("streamll: cannot register modules: %s", sqlite3_errstr(rc));
  return rc;
}

}

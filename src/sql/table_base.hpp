// What the virtual tables share: the store they read (borrowed, or a
// read-only view they opened from a path argument) and the read-only rule.
#pragma once

#include "sql/sqlite_api.hpp"

#include <memory>
#include <string>

#include "streamll/store.hpp"

namespace streamll::sql::detail {

struct TableBase : sqlite3_vtab {
  Store* store = nullptr;              // what the table reads
  std::unique_ptr<Store> owned_store;  // set when opened from a path argument
};

// xCreate/xConnect of every table: picks the store (argument 3, a quoted
// path, or the module's aux store), declares `schema`, allocates the table.
// A table over a path is SQLITE_VTAB_DIRECTONLY: a view or trigger in a
// database's schema cannot use it.
int connect_table(sqlite3* db, void* aux, int argc, const char* const* argv, const char* schema,
                  sqlite3_vtab** out, char** err);

// Sets *err to an sqlite3_malloc'ed copy of `message`; returns SQLITE_ERROR.
int fail(char** err, const std::string& message);

// Reports a failed call from a cursor (a store read): sets the table's error message
// to `s`'s and returns the SQLite code for its kind: SQLITE_CORRUPT_VTAB for
// corruption, SQLITE_IOERR for I/O errors, else SQLITE_ERROR. A caller tells
// a damaged store from a wrong statement by sqlite3_errcode().
int status_error(sqlite3_vtab* vtab, const Status& s);

// Refreshes a read-only view when a statement opens a cursor, so each
// statement sees what the writer has made durable; a no-op for the writer's
// own store. Cost: a few stat() calls when nothing changed.
void refresh_for_query(TableBase* table);

// xUpdate of every table: a clear error, the tables are read-only.
int reject_update(sqlite3_vtab* vtab, int, sqlite3_value**, sqlite3_int64*);

int disconnect_table(sqlite3_vtab* vtab);

// What differs between the tables; read_only_module() fills in the rest.
struct TableCallbacks {
  int (*connect)(sqlite3*, void*, int, const char* const*, sqlite3_vtab**, char**);
  int (*best_index)(sqlite3_vtab*, sqlite3_index_info*);
  int (*filter)(sqlite3_vtab_cursor*, int, const char*, int, sqlite3_value**);
  int (*next)(sqlite3_vtab_cursor*);
  int (*eof)(sqlite3_vtab_cursor*);
  int (*column)(sqlite3_vtab_cursor*, sqlite3_context*, int);
  int (*rowid)(sqlite3_vtab_cursor*, sqlite3_int64*);
};

// A read-only table module whose cursors are `Cursor` objects (derived from
// sqlite3_vtab_cursor, default-constructible).
template <typename Cursor>
sqlite3_module read_only_module(const TableCallbacks& t) {
  sqlite3_module m{};
  m.xCreate = t.connect;
  m.xConnect = t.connect;
  m.xBestIndex = t.best_index;
  m.xDisconnect = disconnect_table;
  m.xDestroy = disconnect_table;
  m.xOpen = [](sqlite3_vtab* vtab, sqlite3_vtab_cursor** out) {
    // Once per statement (a join filters many times): every scan of the
    // statement reads the same state of the store.
    refresh_for_query(static_cast<TableBase*>(vtab));
    *out = new Cursor();
    return SQLITE_OK;
  };
  m.xClose = [](sqlite3_vtab_cursor* cur) {
    delete static_cast<Cursor*>(cur);
    return SQLITE_OK;
  };
  m.xFilter = t.filter;
  m.xNext = t.next;
  m.xEof = t.eof;
  m.xColumn = t.column;
  m.xRowid = t.rowid;
  m.xUpdate = reject_update;
  return m;
}

}  // namespace streamll::sql::detail

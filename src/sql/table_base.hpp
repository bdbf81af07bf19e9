// What the virtual tables share: the store they read (borrowed, or a
// read-only view they opened from a path argument) and the read-only rule.
#pragma once

#include <sqlite3.h>

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
int connect_table(sqlite3* db, void* aux, int argc, const char* const* argv, const char* schema,
                  sqlite3_vtab** out, char** err);

// Sets *err to an sqlite3_malloc'ed copy of `message`; returns SQLITE_ERROR.
int fail(char** err, const std::string& message);

// Refreshes a read-only view before a query, so each statement sees what the
// writer has made durable; a no-op for the writer's own store.
void refresh_for_query(TableBase* table);

// xUpdate of every table: a clear error, the tables are read-only.
int reject_update(sqlite3_vtab* vtab, int, sqlite3_value**, sqlite3_int64*);

int disconnect_table(sqlite3_vtab* vtab);

}  // namespace streamll::sql::detail

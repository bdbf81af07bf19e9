#include "sql/table_base.hpp"

#include <cstring>

namespace streamll::sql::detail {

namespace {

// "'/path/x'" or "\"/path/x\"" or "/path/x" -> /path/x
std::string unquote(std::string_view arg) {
  while (!arg.empty() && arg.front() == ' ') arg.remove_prefix(1);
  while (!arg.empty() && arg.back() == ' ') arg.remove_suffix(1);
  if (arg.size() >= 2 && (arg.front() == '\'' || arg.front() == '"') && arg.back() == arg.front()) {
    const char quote = arg.front();
    std::string out;
    for (size_t i = 1; i + 1 < arg.size(); ++i) {
      out.push_back(arg[i]);
      if (arg[i] == quote && i + 2 < arg.size() && arg[i + 1] == quote) ++i;  // '' -> '
    }
    return out;
  }
  return std::string(arg);
}

}  // namespace

int connect_table(sqlite3* db, void* aux, int argc, const char* const* argv, const char* schema,
                  sqlite3_vtab** out, char** err) {
  auto table = std::make_unique<TableBase>();
  if (argc > 3) {
    StoreOptions options;
    options.mode = StoreOptions::Mode::kReadOnlyLive;
    const Status s = Store::open(unquote(argv[3]), options, &table->owned_store);
    if (!s.ok()) return fail(err, s.message());
    table->store = table->owned_store.get();
    // A table that opens a path is used only from top-level SQL, never from
    // a view or trigger in a database's schema: a database file from
    // elsewhere could otherwise make a query read any store on the machine.
    sqlite3_vtab_config(db, SQLITE_VTAB_DIRECTONLY);
  } else if (aux != nullptr) {
    table->store = static_cast<Store*>(aux);
  } else {
    return fail(err, std::string(argv[0]) + ": name the store: CREATE VIRTUAL TABLE t USING " + argv[0] +
                         "('/path/to/store')");
  }
  if (const int rc = sqlite3_declare_vtab(db, schema); rc != SQLITE_OK) return rc;
  *out = table.release();
  return SQLITE_OK;
}

int fail(char** err, const std::string& message) {
  *err = sqlite3_mprintf("%s", message.c_str());
  return SQLITE_ERROR;
}

int status_error(sqlite3_vtab* vtab, const Status& s) {
  sqlite3_free(vtab->zErrMsg);
  vtab->zErrMsg = sqlite3_mprintf("%s", s.message().c_str());
  switch (s.code()) {
    case Status::Code::kCorruption: return SQLITE_CORRUPT_VTAB;
    case Status::Code::kIOError: return SQLITE_IOERR;
    default: return SQLITE_ERROR;
  }
}

void refresh_for_query(TableBase* table) {
  if (table->store->read_only()) (void)table->store->refresh();
}

int reject_update(sqlite3_vtab* vtab, int, sqlite3_value**, sqlite3_int64*) {
  sqlite3_free(vtab->zErrMsg);
  vtab->zErrMsg = sqlite3_mprintf(
      "streamll tables are read-only: events are added by the application (emit) or `streamll import`");
  return SQLITE_READONLY;
}

int disconnect_table(sqlite3_vtab* vtab) {
  delete static_cast<TableBase*>(vtab);
  return SQLITE_OK;
}

}  // namespace streamll::sql::detail

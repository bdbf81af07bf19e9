#include "serve/sql_console.hpp"

#include <cstring>

#include <fmt/format.h>

#include "event/json_writer.hpp"
#include "streamll/sql.hpp"

namespace streamll::serve {

namespace {

// The authorizer: reading the tables and calling functions, nothing else
// (no ATTACH, PRAGMA, DDL, writes, and no load_extension()).
int read_only_authorizer(void*, int action, const char* arg1, const char* arg2, const char*, const char*) {
  switch (action) {
    case SQLITE_SELECT:
    case SQLITE_READ:
    case SQLITE_RECURSIVE:
      return SQLITE_OK;
    case SQLITE_FUNCTION:
      return arg2 != nullptr && sqlite3_stricmp(arg2, "load_extension") == 0 ? SQLITE_DENY : SQLITE_OK;
    default:
      (void)arg1;
      return SQLITE_DENY;
  }
}

struct Deadline {
  std::chrono::steady_clock::time_point at;
};

int past_deadline(void* arg) {
  return std::chrono::steady_clock::now() >= static_cast<Deadline*>(arg)->at ? 1 : 0;
}

void append_csv_field(std::string_view s, std::string* out) {
  if (s.find_first_of(",\"\n\r") == std::string_view::npos) {
    out->append(s);
    return;
  }
  *out += '"';
  for (char c : s) {
    if (c == '"') *out += '"';
    *out += c;
  }
  *out += '"';
}

std::string_view column_text(sqlite3_stmt* stmt, int i) {
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, i));
  return text ? std::string_view(text, static_cast<size_t>(sqlite3_column_bytes(stmt, i))) : std::string_view();
}

void append_json_cell(sqlite3_stmt* stmt, int i, std::string* out) {
  switch (sqlite3_column_type(stmt, i)) {
    case SQLITE_INTEGER: *out += std::to_string(sqlite3_column_int64(stmt, i)); break;
    case SQLITE_FLOAT: {
      const double v = sqlite3_column_double(stmt, i);
      if (std::isfinite(v)) {
        *out += fmt::format("{}", v);
      } else {
        *out += "null";  // JSON has no infinities
      }
      break;
    }
    case SQLITE_NULL: *out += "null"; break;
    default: detail::append_json_string(column_text(stmt, i), out); break;
  }
}

// Only whitespace and comments in `tail`?
bool only_trivia(const char* tail) {
  while (*tail != '\0') {
    if (std::isspace(static_cast<unsigned char>(*tail))) {
      ++tail;
    } else if (std::strncmp(tail, "--", 2) == 0) {
      while (*tail != '\0' && *tail != '\n') ++tail;
    } else if (std::strncmp(tail, "/*", 2) == 0) {
      const char* end = std::strstr(tail + 2, "*/");
      if (end == nullptr) return true;
      tail = end + 2;
    } else {
      return false;
    }
  }
  return true;
}

}  // namespace

SqlConsole::SqlConsole(Store& store, std::chrono::milliseconds time_limit, size_t max_rows)
    : store_(store), time_limit_(time_limit), max_rows_(max_rows) {}

SqlConsole::~SqlConsole() {
  for (sqlite3* db : idle_) sqlite3_close(db);
}

Status SqlConsole::acquire(sqlite3** out) {
  {
    std::lock_guard lock(mutex_);
    if (!idle_.empty()) {
      *out = idle_.back();
      idle_.pop_back();
      return Status::ok_status();
    }
  }
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(":memory:", &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK) {
    sqlite3_close(db);
    return Status::io_error("cannot open an SQLite connection");
  }
  if (Status s = sql::register_tables(db, &store_); !s.ok()) {
    sqlite3_close(db);
    return s;
  }
  sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0, nullptr);
  sqlite3_limit(db, SQLITE_LIMIT_ATTACHED, 0);
  sqlite3_set_authorizer(db, read_only_authorizer, nullptr);
  *out = db;
  return Status::ok_status();
}

void SqlConsole::release(sqlite3* db) {
  sqlite3_progress_handler(db, 0, nullptr, nullptr);
  std::lock_guard lock(mutex_);
  idle_.push_back(db);
}

Status SqlConsole::run(std::string_view sql_text, SqlFormat format, std::string* body) {
  const std::string sql(sql_text);
  sqlite3* db = nullptr;
  if (Status s = acquire(&db); !s.ok()) return s;
  Deadline deadline{std::chrono::steady_clock::now() + time_limit_};
  sqlite3_progress_handler(db, 1000, past_deadline, &deadline);

  auto fail = [&](sqlite3_stmt* stmt) {
    const int code = sqlite3_errcode(db);
    const std::string message = sqlite3_errmsg(db);
    sqlite3_finalize(stmt);
    release(db);
    switch (code & 0xff) {
      case SQLITE_CORRUPT: return Status::corruption(message);
      case SQLITE_IOERR: return Status::io_error(message);
      case SQLITE_AUTH:
        return Status::invalid_argument(fmt::format("read-only: only SELECT statements are allowed ({})", message));
      case SQLITE_INTERRUPT:
        return Status::invalid_argument(
            fmt::format("the query was stopped after {} ms (the server's time limit)", time_limit_.count()));
      default: return Status::invalid_argument(fmt::format("SQL error: {}", message));
    }
  };

  sqlite3_stmt* stmt = nullptr;
  const char* tail = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), static_cast<int>(sql.size()), &stmt, &tail) != SQLITE_OK) return fail(stmt);
  if (stmt == nullptr) {
    release(db);
    return Status::invalid_argument("no SQL statement given");
  }
  if (!only_trivia(tail)) {
    sqlite3_finalize(stmt);
    release(db);
    return Status::invalid_argument("one statement at a time");
  }
  if (!sqlite3_stmt_readonly(stmt)) {
    sqlite3_finalize(stmt);
    release(db);
    return Status::invalid_argument("read-only: only SELECT statements are allowed");
  }

  const int columns = sqlite3_column_count(stmt);
  std::string out;
  if (format == SqlFormat::kJson) {
    out = "{\"columns\":[";
    for (int i = 0; i < columns; ++i) {
      if (i) out += ',';
      detail::append_json_string(sqlite3_column_name(stmt, i), &out);
    }
    out += "],\"rows\":[";
  } else {
    for (int i = 0; i < columns; ++i) {
      if (i) out += ',';
      append_csv_field(sqlite3_column_name(stmt, i), &out);
    }
    out += "\r\n";
  }
  size_t rows = 0;
  bool truncated = false;
  int rc;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    if (rows == max_rows_) {
      truncated = true;
      break;
    }
    if (format == SqlFormat::kJson) {
      out += rows ? ",[" : "[";
      for (int i = 0; i < columns; ++i) {
        if (i) out += ',';
        append_json_cell(stmt, i, &out);
      }
      out += ']';
    } else {
      for (int i = 0; i < columns; ++i) {
        if (i) out += ',';
        if (sqlite3_column_type(stmt, i) != SQLITE_NULL) append_csv_field(column_text(stmt, i), &out);
      }
      out += "\r\n";
    }
    ++rows;
  }
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) return fail(stmt);
  sqlite3_finalize(stmt);
  release(db);
  if (format == SqlFormat::kJson) {
    const auto elapsed = std::chrono::steady_clock::now() - (deadline.at - time_limit_);
    out += fmt::format("],\"truncated\":{},\"elapsed_ms\":{:.3f}}}", truncated,
                       std::chrono::duration<double, std::milli>(elapsed).count());
  }
  *body = std::move(out);
  return Status::ok_status();
}

}  // namespace streamll::serve

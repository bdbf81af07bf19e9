// A SQLite connection for the benchmarks: the baselines' databases and the
// connection that reads a store through streamll's virtual tables. Every
// failure becomes a Status naming the file and the statement.
#pragma once

#include <sqlite3.h>

#include <memory>
#include <string>
#include <string_view>

#include "streamll/status.hpp"

namespace streamll::bench {

// A prepared statement, finalized when it goes.
using Statement = std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)>;

class Sqlite {
 public:
  // `path` is a file, or ":memory:".
  explicit Sqlite(std::string path) : path_(std::move(path)) {}
  ~Sqlite() { close(); }
  Sqlite(const Sqlite&) = delete;
  Sqlite& operator=(const Sqlite&) = delete;

  Status open() { return check(sqlite3_open(path_.c_str(), &db_), "open"); }
  // `what` names the statement in errors; the SQL itself when empty.
  Status exec(const char* sql, std::string_view what = {}) {
    return check(sqlite3_exec(db_, sql, nullptr, nullptr, nullptr), what.empty() ? sql : what);
  }
  Status prepare(std::string_view sql, Statement* out);
  // Ok for SQLITE_OK and SQLITE_DONE; otherwise an error with SQLite's message.
  Status check(int rc, std::string_view what) const;
  // Closing the last connection of a WAL database checkpoints the WAL into
  // the database and removes it. Statements must be finalized first.
  Status close();

  sqlite3* get() const { return db_; }

 private:
  std::string path_;
  sqlite3* db_ = nullptr;
};

}  // namespace streamll::bench

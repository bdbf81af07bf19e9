// The dashboard's SQL console: read-only statements over the store's tables,
// each stopped after a time limit, with a small pool of connections so
// concurrent requests never share one.
#pragma once

#include <chrono>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include <sqlite3.h>

#include "streamll/status.hpp"
#include "streamll/store.hpp"

namespace streamll::serve {

enum class SqlFormat { kJson, kCsv };

class SqlConsole {
 public:
  SqlConsole(Store& store, std::chrono::milliseconds time_limit, size_t max_rows);
  ~SqlConsole();
  SqlConsole(const SqlConsole&) = delete;
  SqlConsole& operator=(const SqlConsole&) = delete;

  // Runs one SELECT statement and writes its answer to *body: JSON
  // {"columns":[...],"rows":[[...],...],"truncated":B,"elapsed_ms":X} or CSV
  // (a header line, then the rows). Fails with InvalidArgument for a
  // statement that is not a single read-only SELECT, that SQLite rejects, or
  // that ran past the time limit; Corruption/IOError for a damaged store.
  // Cost: the query's. Thread-safe: each call takes a connection of its own.
  Status run(std::string_view sql, SqlFormat format, std::string* body);

 private:
  Status acquire(sqlite3** db);
  void release(sqlite3* db);

  Store& store_;
  std::chrono::milliseconds time_limit_;
  size_t max_rows_;
  std::mutex mutex_;
  std::vector<sqlite3*> idle_;
};

}  // namespace streamll::serve

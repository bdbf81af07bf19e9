#include "sqlite.hpp"

#include <fmt/format.h>

namespace streamll::bench {

Status Sqlite::prepare(std::string_view sql, Statement* out) {
  sqlite3_stmt* raw = nullptr;
  const int rc = sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &raw, nullptr);
  *out = Statement(raw, sqlite3_finalize);
  return check(rc, sql);
}

Status Sqlite::check(int rc, std::string_view what) const {
  if (rc == SQLITE_OK || rc == SQLITE_DONE) return Status::ok_status();
  return Status::io_error(fmt::format("sqlite {}: {}: {}", path_, what, sqlite3_errmsg(db_)));
}

Status Sqlite::close() {
  const int rc = sqlite3_close(db_);
  db_ = nullptr;
  return rc == SQLITE_OK ? Status::ok_status() : Status::io_error(fmt::format("sqlite {}: close", path_));
}

}  // namespace streamll::bench

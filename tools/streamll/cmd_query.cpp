#include <iostream>
#include <iterator>

#include <fmt/format.h>

#include "cli.hpp"
#include "streamll/sql.hpp"
#include "table.hpp"

namespace streamll::cli {

namespace {

struct QueryArgs {
  std::string sql;
  std::string format = "table";
};

// The value of column i of the current row as JSON: numbers stay numbers.
Json json_value(sqlite3_stmt* stmt, int i) {
  switch (sqlite3_column_type(stmt, i)) {
    case SQLITE_INTEGER: return sqlite3_column_int64(stmt, i);
    case SQLITE_FLOAT: return sqlite3_column_double(stmt, i);
    case SQLITE_NULL: return nullptr;
    default: return std::string(reinterpret_cast<const char*>(sqlite3_column_text(stmt, i)),
                                static_cast<size_t>(sqlite3_column_bytes(stmt, i)));
  }
}

std::string text_value(sqlite3_stmt* stmt, int i) {
  if (sqlite3_column_type(stmt, i) == SQLITE_NULL) return "NULL";
  return std::string(reinterpret_cast<const char*>(sqlite3_column_text(stmt, i)),
                     static_cast<size_t>(sqlite3_column_bytes(stmt, i)));
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

// "line L, column C: " for byte `offset` of `sql` (columns count bytes, from 1).
std::string position(const std::string& sql, size_t offset) {
  size_t line = 1, column = 1;
  for (size_t i = 0; i < offset && i < sql.size(); ++i) {
    if (sql[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return fmt::format("line {}, column {}: ", line, column);
}

// The error of the last call on `db`: a damaged or unreadable store (the
// tables report SQLITE_CORRUPT_VTAB or SQLITE_IOERR, exit 2), or a wrong
// statement (exit 1), with where in `sql` SQLite found it when it knows.
Status sql_error(sqlite3* db, const std::string& sql, const char* statement) {
  const std::string message = sqlite3_errmsg(db);
  switch (sqlite3_errcode(db) & 0xff) {
    case SQLITE_CORRUPT: return Status::corruption(message);
    case SQLITE_IOERR: return Status::io_error(message);
    default: break;
  }
  const int offset = sqlite3_error_offset(db);
  const std::string where =
      offset >= 0 ? position(sql, static_cast<size_t>(statement - sql.c_str()) + static_cast<size_t>(offset)) : "";
  return Status::invalid_argument(fmt::format("SQL error: {}{}", where, message));
}

// Runs each statement of `sql` in turn, printing the rows of each.
int run_sql(sqlite3* db, const std::string& sql, const std::string& format) {
  const char* tail = sql.c_str();
  while (*tail != '\0') {
    sqlite3_stmt* stmt = nullptr;
    const char* statement = tail;
    if (sqlite3_prepare_v2(db, tail, -1, &stmt, &tail) != SQLITE_OK) return report(sql_error(db, sql, statement));
    if (stmt == nullptr) continue;  // whitespace or a comment
    const int columns = sqlite3_column_count(stmt);
    std::vector<std::string> names;
    for (int i = 0; i < columns; ++i) names.emplace_back(sqlite3_column_name(stmt, i));
    Table table(names);
    Json rows = Json::array();
    if (format == "csv") {
      std::string header;
      for (int i = 0; i < columns; ++i) header += (i ? "," : "") + csv_field(names[i]);
      fmt::print("{}\n", header);
    }
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
      if (format == "table") {
        std::vector<std::string> row;
        for (int i = 0; i < columns; ++i) row.push_back(text_value(stmt, i));
        table.add(std::move(row));
      } else if (format == "csv") {
        std::string line;
        for (int i = 0; i < columns; ++i) line += (i ? "," : "") + csv_field(text_value(stmt, i));
        fmt::print("{}\n", line);
      } else {
        Json row = Json::object();
        for (int i = 0; i < columns; ++i) row[names[i]] = json_value(stmt, i);
        if (format == "jsonl") {
          fmt::print("{}\n", row.dump(-1, ' ', false, Json::error_handler_t::replace));
        } else {
          rows.push_back(std::move(row));
        }
      }
    }
    const Status error = rc == SQLITE_DONE ? Status::ok_status() : sql_error(db, sql, statement);
    sqlite3_finalize(stmt);
    if (!error.ok()) return report(error);
    if (format == "table" && columns > 0) table.print(stdout);
    if (format == "json") fmt::print("{}\n", rows.dump(2, ' ', false, Json::error_handler_t::replace));
  }
  return kExitOk;
}

int run_query(const Context& ctx, QueryArgs args) {
  if (args.sql == "-") args.sql.assign(std::istreambuf_iterator<char>(std::cin), {});
  std::unique_ptr<Store> store;
  if (Status s = open_for_read(ctx, &store); !s.ok()) return report(s);
  sqlite3* raw = nullptr;
  if (sqlite3_open(":memory:", &raw) != SQLITE_OK) return report(Status::io_error("cannot open SQLite"));
  std::unique_ptr<sqlite3, int (*)(sqlite3*)> db(raw, sqlite3_close);
  if (Status s = sql::register_tables(db.get(), store.get()); !s.ok()) return report(s);
  return run_sql(db.get(), args.sql, args.format);
}

}  // namespace

void add_query(CLI::App& app, Context& ctx) {
  auto args = std::make_shared<QueryArgs>();
  auto* cmd = app.add_subcommand(
      "query", "Run SQL over the store: tables events and executions (see include/streamll/sql.hpp).\n"
               "Example: streamll query \"SELECT event_type, count(*) FROM events GROUP BY 1\"");
  cmd->add_option("SQL", args->sql, "The SQL, or - to read it from stdin")->required();
  cmd->add_option("--format", args->format, "table, csv, json or jsonl")
      ->check(CLI::IsMember({"table", "csv", "json", "jsonl"}))
      ->capture_default_str();
  cmd->callback([&ctx, args] { ctx.exit_code = run_query(ctx, *args); });
}

}  // namespace streamll::cli

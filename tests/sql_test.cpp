// The virtual tables against the same events in a plain SQLite table: every
// generated query must return the same rows from both.
#include <sqlite3.h>

#include <algorithm>
#include <cstring>
#include <cstdlib>
#include <limits>
#include <random>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "streamll/sql.hpp"
#include "streamll/store_json.hpp"
#include "streamll/timestamp.hpp"
#include "support/event_gen.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

using namespace streamll;
using streamll::testing::TempDir;

namespace {

struct Db {
  sqlite3* db = nullptr;
  Db() { REQUIRE(sqlite3_open(":memory:", &db) == SQLITE_OK); }
  ~Db() { sqlite3_close(db); }

  void exec(const std::string& sql) {
    char* err = nullptr;
    const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
    INFO(sql << ": " << (err ? err : ""));
    sqlite3_free(err);
    REQUIRE(rc == SQLITE_OK);
  }

  // Every row as one string; the order as returned. Errors become a row.
  std::vector<std::string> rows(const std::string& sql) {
    std::vector<std::string> out;
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
      return {std::string("error: ") + sqlite3_errmsg(db)};
    }
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
      std::string row;
      for (int i = 0; i < sqlite3_column_count(stmt); ++i) {
        const auto* t = sqlite3_column_text(stmt, i);
        row += fmt::format("{}:{}|", sqlite3_column_type(stmt, i), t ? reinterpret_cast<const char*>(t) : "NULL");
      }
      out.push_back(std::move(row));
    }
    if (rc != SQLITE_DONE) out.push_back(std::string("error: ") + sqlite3_errmsg(db));
    sqlite3_finalize(stmt);
    return out;
  }
};

std::vector<Event> make_events(size_t n) {
  testing::EventGenerator gen(99);
  std::vector<Event> out;
  static const char* const kTypes[] = {"start", "end", "error", "rag.retrieval.start", "rag.retrieval.end",
                                       "llm.call.error", "RAG.upper", "llm.token"};
  for (size_t i = 0; i < n; ++i) {
    // Timestamps with ties, a few far apart, a negative one.
    int64_t ts = 1'756'000'000'000'000'000 + static_cast<int64_t>(gen.pick(400)) * 1'000'000'000;
    if (i % 97 == 0) ts += 7;  // sub-microsecond: the 9-digit text form
    if (i == 5) ts = -1'000'000'000;
    if (i == 6) ts = std::numeric_limits<int64_t>::max();  // the edges of the range
    if (i == 7) ts = std::numeric_limits<int64_t>::min();
    if (i == 8) ts = std::numeric_limits<int64_t>::max() - 1;
    Event e = gen.event("exec-" + std::to_string(gen.pick(25)), ts);
    e.event_type = kTypes[gen.pick(std::size(kTypes))];
    e.data["n"] = static_cast<int64_t>(gen.pick(100));
    out.push_back(std::move(e));
  }
  return out;
}

// One random WHERE condition over the events columns.
std::string condition(std::mt19937_64& rng, const std::vector<Event>& events) {
  const auto pick = [&](size_t n) { return static_cast<size_t>(rng() % n); };
  const Event& e = events[pick(events.size())];
  const char* ops[] = {">", ">=", "<", "<=", "="};
  const std::string op = ops[pick(5)];
  switch (pick(16)) {
    case 0: return fmt::format("execution_id = '{}'", e.execution_id);
    case 1: return std::vector<std::string>{fmt::format("execution_id IN ('{}', 'exec-3', 'nope')", e.execution_id),
                                            fmt::format("execution_id IN ('{}', NULL, 5)", e.execution_id),
                                            fmt::format("execution_id IN (SELECT execution_id FROM {{T}} WHERE seq < {})", pick(400)),
                                            fmt::format("event_id IN ('{}', '{}', 'missing')", e.event_id, events[pick(events.size())].event_id),
                                            "execution_id IN ()"}[pick(5)];
    case 2: return fmt::format("ts_ns {} {}", op, e.timestamp);
    case 3: {
      // Values of every type, since the table applies ts_ns comparisons itself.
      static const std::vector<std::string> kValues = {
          "NULL", "'abc'", "1.756e18", "'1756000100000000000'", "-5", "-1000000000.5", "'-1e9'", "-1e9",
          "9.3e18", "-9.3e18", "X'00'", "9223372036854775807", "-9223372036854775808", "9223372036854775806",
          "'  1756000100000000000  '", "1756000100000000000.0", "9.2233720368547748e18", "-9223372036854775808.0"};
      return fmt::format("ts_ns {} {}", op, kValues[pick(kValues.size())]);
    }
    case 4: return fmt::format("timestamp {} '{}'", op, format_timestamp(e.timestamp));
    case 5: return fmt::format("timestamp {} '2025-08-24'", op);
    case 6: return fmt::format("event_type = '{}'", e.event_type);
    case 7: return std::vector<std::string>{"event_type LIKE 'rag.%'", "event_type LIKE 'RAG.%'", "event_type GLOB 'rag.*'",
                                            "event_type LIKE '%end'", "event_type GLOB 'llm*'", "event_type LIKE 'r_g.%'",
                                            "event_type LIKE NULL"}[pick(7)];
    case 8: return fmt::format("event_id = '{}'", pick(3) == 0 ? "missing" : e.event_id);
    case 9: return fmt::format("seq {} {}", op, pick(events.size() + 10));
    case 10: return fmt::format("seq BETWEEN {} AND {}", pick(events.size()), pick(events.size()));
    case 11: return fmt::format("data->>'$.n' > {}", pick(100));
    case 12: return fmt::format("execution_id = '{}' COLLATE NOCASE", std::string("EXEC-") + e.execution_id.substr(5));
    case 13: return fmt::format("execution_id = {}", pick(2) ? "NULL" : "5");
    case 14: return fmt::format("operation IS NULL");
    default: return fmt::format("ts_ns BETWEEN {} AND {}", e.timestamp, e.timestamp + static_cast<int64_t>(pick(50)) * 1'000'000'000);
  }
}

}  // namespace

TEST_CASE("ts_ns compared with a value of any type matches what a plain table matches, every operator", "[sql]") {
  // The table applies ts_ns comparisons itself (SQLite does not re-check
  // them), so each must be exact for every kind of value, given as a
  // literal and as a value without affinity (a subquery, as a parameter is).
  TempDir dir;
  std::unique_ptr<Store> store;
  REQUIRE(Store::open(dir / "db", {}, &store).ok());
  const std::vector<Event> events = make_events(300);
  REQUIRE(store->append(events).ok());
  Db db;
  REQUIRE(sql::register_tables(db.db, store.get()).ok());
  db.exec("CREATE TABLE ref_events AS SELECT * FROM events");
  const std::vector<std::string> values = {
      "NULL", "'abc'", "X'00'", "''", "1.756e18", "'1756000100000000000'", "'  1756000100000000000  '",
      "'1756000100000000000.0'", "-5", "-1000000000", "-1000000000.5", "-999999999.5", "'-1e9'", "-1e9", "9.3e18",
      "-9.3e18", "9223372036854775807", "-9223372036854775808", "9223372036854775806", "9.2233720368547748e18",
      "-9223372036854775808.0", "-9.2233720368547758e18", "0.0", "-0.0", "1e308", "-1e308"};
  int nonempty = 0;
  for (const char* op : {">", ">=", "<", "<=", "=", "!="}) {
    for (const std::string& v : values) {
      for (const std::string& rhs : {v, "(SELECT " + v + ")"}) {
        const std::string where = fmt::format(" WHERE ts_ns {} {}", op, rhs);
        const auto ours = db.rows("SELECT count(*), sum(seq) FROM events" + where);
        INFO(where);
        CHECK(ours == db.rows("SELECT count(*), sum(seq) FROM ref_events" + where));
        CHECK(db.rows("SELECT seq FROM events" + where + " ORDER BY ts_ns DESC, seq DESC") ==
              db.rows("SELECT seq FROM ref_events" + where + " ORDER BY ts_ns DESC, seq DESC"));
        if (ours.front().rfind("1:0|", 0) != 0) ++nonempty;
      }
    }
  }
  CHECK(nonempty > 100);  // the comparisons select something
}

namespace {

// The rows of `sql` as JSON objects, each column under its SQL name, with
// the conversions store_json.hpp names: `bool_columns` 0/1 as booleans,
// `list_columns` JSON text as arrays.
Json sql_objects(Db& db, const std::string& sql, const std::vector<std::string>& bool_columns = {},
                 const std::vector<std::string>& list_columns = {}) {
  Json out = Json::array();
  sqlite3_stmt* stmt = nullptr;
  REQUIRE(sqlite3_prepare_v2(db.db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK);
  while (sqlite3_step(stmt) == SQLITE_ROW) {
    Json row = Json::object();
    for (int i = 0; i < sqlite3_column_count(stmt); ++i) {
      const std::string name = sqlite3_column_name(stmt, i);
      const auto in = [&](const std::vector<std::string>& v) { return std::find(v.begin(), v.end(), name) != v.end(); };
      switch (sqlite3_column_type(stmt, i)) {
        case SQLITE_INTEGER:
          row[name] = in(bool_columns) ? Json(sqlite3_column_int64(stmt, i) != 0) : Json(sqlite3_column_int64(stmt, i));
          break;
        case SQLITE_FLOAT: row[name] = sqlite3_column_double(stmt, i); break;
        default: {
          const std::string text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, i));
          row[name] = in(list_columns) ? Json::parse(text) : Json(text);
        }
      }
    }
    out.push_back(std::move(row));
  }
  sqlite3_finalize(stmt);
  return out;
}

}  // namespace

namespace {

// `tmpl` with {T} and {X} replaced by the events and executions tables' names.
std::string render_tables(const std::string& tmpl, const char* events_table, const char* executions_table) {
  std::string s = tmpl;
  for (size_t p; (p = s.find("{T}")) != std::string::npos;) s.replace(p, 3, events_table);
  for (size_t p; (p = s.find("{X}")) != std::string::npos;) s.replace(p, 3, executions_table);
  return s;
}

}  // namespace

TEST_CASE("the JSON of executions and event types (CLI, dashboard) is their SQL tables' rows", "[sql]") {
  TempDir dir;
  std::unique_ptr<Store> store;
  REQUIRE(Store::open(dir / "db", {}, &store).ok());
  REQUIRE(store->append(make_events(500)).ok());
  Db db;
  REQUIRE(sql::register_tables(db.db, store.get()).ok());

  std::vector<ExecutionSummary> executions;
  REQUIRE(store->list_executions(&executions).ok());
  REQUIRE(executions.size() == 25);
  Json rendered = Json::array();
  for (const ExecutionSummary& s : executions) rendered.push_back(to_json(s));
  // Same names in the same order, same values.
  CHECK(rendered.dump() == sql_objects(db, "SELECT * FROM executions ORDER BY execution_id").dump());

  std::vector<EventTypeSummary> types;
  REQUIRE(store->list_event_types(&types).ok());
  REQUIRE(types.size() == 8);
  rendered = Json::array();
  for (const EventTypeSummary& t : types) rendered.push_back(to_json(t));
  CHECK(rendered.dump() == sql_objects(db, "SELECT * FROM event_types ORDER BY event_type", {"data_keys_truncated"},
                                       {"data_keys"})
                               .dump());
  CHECK(rendered[0]["data_keys"].is_array());

  // The rowid (column -1 to the tables) is no column of the list: SQLite
  // filters and sorts by it, as for any table.
  CHECK(db.rows("SELECT count(*) FROM executions WHERE rowid >= 3") == std::vector<std::string>{"1:22|"});
  CHECK(db.rows("SELECT execution_id FROM executions ORDER BY rowid DESC") ==
        db.rows("SELECT execution_id FROM executions ORDER BY execution_id DESC"));
  CHECK(db.rows("SELECT count(*) FROM event_types WHERE rowid < 2 AND count > 0") == std::vector<std::string>{"1:2|"});
  CHECK(db.rows("SELECT event_type FROM event_types ORDER BY rowid") ==
        db.rows("SELECT event_type FROM event_types ORDER BY event_type"));
}

TEST_CASE("the virtual tables return what a plain table returns, for generated queries", "[sql]") {
  TempDir dir;
  std::unique_ptr<Store> store;
  REQUIRE(Store::open(dir / "db", {}, &store).ok());
  const std::vector<Event> events = make_events(3000);
  // Appends of 1 to 40 events, then one of 1,000: blocks from one event to
  // full ones, so a read by seq steps over many small blocks too.
  std::mt19937_64 sizes(7);
  for (size_t at = 0, n = 0; at < 2000; at += n) {
    n = std::min<size_t>(2000 - at, 1 + sizes() % 40);
    REQUIRE(store->append(std::span<const Event>(events).subspan(at, n)).ok());
  }
  REQUIRE(store->append(std::span<const Event>(events).subspan(2000)).ok());

  Db db;
  REQUIRE(sql::register_tables(db.db, store.get()).ok());
  db.exec("CREATE TABLE ref_events AS SELECT * FROM events");
  db.exec("CREATE INDEX ref_by_exec ON ref_events(execution_id, ts_ns)");
  db.exec(
      "CREATE TABLE ref_executions AS SELECT execution_id, "
      "(SELECT timestamp FROM ref_events r2 WHERE r2.execution_id = r.execution_id ORDER BY ts_ns LIMIT 1) AS started_at, "
      "(SELECT timestamp FROM ref_events r2 WHERE r2.execution_id = r.execution_id ORDER BY ts_ns DESC LIMIT 1) AS ended_at, "
      "(max(ts_ns) - min(ts_ns)) / 1e6 AS duration_ms, count(*) AS event_count, "
      "sum(event_type = 'error' OR event_type LIKE '%_.error' ESCAPE '\\') AS error_count, "
      "min(ts_ns) AS first_ts_ns, max(ts_ns) AS last_ts_ns FROM ref_events r GROUP BY execution_id");
  // The copy must itself be right: compare it with the events we appended.
  REQUIRE(db.rows("SELECT count(*), count(DISTINCT event_id), sum(seq) FROM ref_events") ==
          std::vector<std::string>{"1:3000|1:3000|1:4501500|"});

  std::mt19937_64 rng(2024);
  const char* const selects[] = {
      "SELECT * FROM {T}",
      "SELECT event_id, seq FROM {T}",
      "SELECT event_type, count(*), min(ts_ns), max(seq) FROM {T} GROUP BY event_type",
      "SELECT count(*) FROM {T}",
      // Only the columns the time index's keys hold (plan 6 when the WHERE
      // and ORDER BY add no other column).
      "SELECT ts_ns, seq, timestamp FROM {T}",
      "SELECT count(*), min(ts_ns), max(seq), max(timestamp) FROM {T}",
  };
  const char* const orders[] = {"", " ORDER BY seq", " ORDER BY ts_ns, seq", " ORDER BY seq DESC",
                                " ORDER BY execution_id, ts_ns, seq", " ORDER BY ts_ns DESC, seq DESC",
                                " ORDER BY event_id, seq", " ORDER BY ts_ns DESC",
                                " ORDER BY execution_id DESC, ts_ns DESC, seq DESC", " ORDER BY event_id DESC, seq"};
  int queries = 0, nonempty = 0;
  for (int q = 0; q < 300; ++q) {
    std::string where;
    for (size_t c = 0, n = 1 + rng() % 3; c < n; ++c) where += (c ? " AND " : " WHERE ") + condition(rng, events);
    const size_t shape = rng() % 11;
    std::string sql_tmpl;
    bool ordered = false;
    if (shape < 6) {
      const std::string order = orders[rng() % std::size(orders)];
      const bool grouped = shape == 2;
      sql_tmpl = std::string(selects[shape % 4]) + where + (grouped ? "" : order);
      ordered = !grouped && !order.empty() && order.find("seq") != std::string::npos && shape % 4 != 3;
      if (ordered && rng() % 2) sql_tmpl += fmt::format(" LIMIT {} OFFSET {}", rng() % 50, rng() % 20);
    } else if (shape < 8) {
      sql_tmpl = "SELECT e.event_id, x.event_count, x.error_count, x.started_at FROM {T} e JOIN {X} x USING (execution_id)" +
                 where;
    } else if (shape < 10) {
      sql_tmpl = "SELECT * FROM {X} WHERE execution_id IN (SELECT execution_id FROM {T}" + where + ")" +
                 (rng() % 2 ? " ORDER BY execution_id" : "");
    } else {
      // A dashboard's "runs that failed lately", newest first, paged.
      sql_tmpl = fmt::format(
          "SELECT execution_id, error_count, last_ts_ns FROM {{X}} WHERE error_count > 0 AND last_ts_ns >= {} "
          "ORDER BY last_ts_ns DESC, execution_id LIMIT {} OFFSET {}",
          events[rng() % events.size()].timestamp, 1 + rng() % 30, rng() % 5);
    }
    const auto render = [&](const char* events_table, const char* executions_table) {
      return render_tables(sql_tmpl, events_table, executions_table);
    };
    const std::string ours_sql = render("events", "executions");
    std::vector<std::string> ours = db.rows(ours_sql);
    std::vector<std::string> theirs = db.rows(render("ref_events", "ref_executions"));
    if (!ordered) {
      std::sort(ours.begin(), ours.end());
      std::sort(theirs.begin(), theirs.end());
    }
    INFO(ours_sql);
    CHECK(ours == theirs);
    ++queries;
    nonempty += !ours.empty() && ours != std::vector<std::string>{"1:0|"};
  }
  CHECK(queries >= 200);
  CHECK(nonempty > queries / 3);  // the generator does not only produce empty results

  // The benchmark's dashboard queries in their own shapes: q6 the latest
  // 50 (also paged), q8 one type in a time window. ts_ns has ties, so with
  // seq breaking them whole rows must match in order; in the bare shape
  // (ties in either order), the ts_ns of each row.
  std::vector<std::string> shaped;
  for (const char* limit : {" LIMIT 50", " LIMIT 50 OFFSET 50", " LIMIT 7 OFFSET 2990", " LIMIT 1"}) {
    shaped.push_back(std::string("SELECT * FROM {T} ORDER BY ts_ns DESC, seq DESC") + limit);
    shaped.push_back(std::string("SELECT ts_ns FROM {T} ORDER BY ts_ns DESC") + limit);
  }
  for (const char* type : {"error", "rag.retrieval.end", "llm.token", "nope"}) {
    for (int w = 0; w < 4; ++w) {
      const int64_t since = events[rng() % events.size()].timestamp;
      const int64_t until = w == 0 ? std::numeric_limits<int64_t>::max() : since + static_cast<int64_t>(rng() % 100) * 1'000'000'000;
      const std::string window = fmt::format("WHERE event_type = '{}' AND ts_ns >= {} AND ts_ns < {}", type, since, until);
      shaped.push_back("SELECT * FROM {T} " + window + " ORDER BY ts_ns, seq");
      shaped.push_back("SELECT ts_ns FROM {T} " + window + " ORDER BY ts_ns");
      shaped.push_back("SELECT * FROM {T} " + window + " ORDER BY ts_ns DESC, seq DESC LIMIT 20");
    }
  }
  size_t shaped_rows = 0;
  for (const std::string& tmpl : shaped) {
    const auto render = [&](const char* table) { return render_tables(tmpl, table, ""); };
    INFO(render("events"));
    const std::vector<std::string> ours = db.rows(render("events"));
    CHECK(ours == db.rows(render("ref_events")));
    shaped_rows += ours.size();
  }
  CHECK(shaped_rows > 500);

  // The event-type registry against a recount of the plain table: the
  // smallest 64 distinct top-level data keys, in byte order.
  db.exec(
      "CREATE TABLE ref_event_types AS SELECT event_type, count(*) AS count, "
      "(SELECT timestamp FROM ref_events r2 WHERE r2.event_type = r.event_type ORDER BY ts_ns LIMIT 1) AS first_seen, "
      "(SELECT timestamp FROM ref_events r2 WHERE r2.event_type = r.event_type ORDER BY ts_ns DESC LIMIT 1) AS last_seen, "
      "(SELECT json_group_array(key) FROM (SELECT DISTINCT j.key FROM ref_events r2, json_each(r2.data) j "
      "  WHERE r2.event_type = r.event_type ORDER BY j.key LIMIT 64)) AS data_keys, "
      "(SELECT count(DISTINCT j.key) > 64 FROM ref_events r2, json_each(r2.data) j "
      "  WHERE r2.event_type = r.event_type) AS data_keys_truncated, "
      "min(ts_ns) AS first_ts_ns, max(ts_ns) AS last_ts_ns FROM ref_events r GROUP BY event_type");
  for (const char* where : {"", " WHERE event_type = 'rag.retrieval.end'", " WHERE event_type = 'nope'",
                            " WHERE event_type = NULL", " WHERE count > 300", " WHERE data_keys_truncated"}) {
    const std::string sql = std::string("SELECT * FROM {} ") + where + " ORDER BY event_type";
    INFO(sql);
    const auto ours = db.rows(fmt::format(fmt::runtime(sql), "event_types"));
    CHECK(ours == db.rows(fmt::format(fmt::runtime(sql), "ref_event_types")));
    if (*where == '\0') CHECK(ours.size() == 8);
  }
  CHECK(db.rows("SELECT count(*) FROM event_types WHERE data_keys_truncated") != std::vector<std::string>{"1:0|"});

  // Comparisons on the summaries' integer columns, with integer, real and
  // NULL values (text would meet the copies' lack of column affinity), and ORDER BY their integer columns and key either way: filtered and
  // sorted by the table (summary_table.hpp), as the plain tables answer.
  const std::string mid_ts = std::to_string(events[1500].timestamp);
  const std::vector<std::string> conditions = {
      "", "WHERE error_count > 0", "WHERE last_ts_ns >= " + mid_ts, "WHERE first_ts_ns < " + mid_ts + " AND event_count >= 3",
      "WHERE event_count = 4", "WHERE error_count <= 1.5", "WHERE event_count > NULL",
      "WHERE error_count > 0 AND error_count < 3 AND last_ts_ns <= " + mid_ts};
  const std::vector<std::string> executions_orders = {
      "", " ORDER BY last_ts_ns DESC, execution_id", " ORDER BY error_count, last_ts_ns DESC, execution_id DESC",
      " ORDER BY event_count DESC, execution_id", " ORDER BY execution_id DESC", " ORDER BY first_ts_ns, execution_id LIMIT 7 OFFSET 3",
      " ORDER BY duration_ms DESC, execution_id"};
  size_t nonempty_summaries = 0;
  for (const std::string& where : conditions) {
    for (const std::string& order : executions_orders) {
      const std::string sql = "SELECT execution_id, event_count, error_count, first_ts_ns, last_ts_ns, duration_ms "
                              "FROM {} " + where + order;
      INFO(sql);
      std::vector<std::string> ours = db.rows(fmt::format(fmt::runtime(sql), "executions"));
      std::vector<std::string> theirs = db.rows(fmt::format(fmt::runtime(sql), "ref_executions"));
      if (order.empty()) {
        std::sort(ours.begin(), ours.end());
        std::sort(theirs.begin(), theirs.end());
      }
      CHECK(ours == theirs);
      nonempty_summaries += !ours.empty();
    }
    for (const char* order : {" ORDER BY count DESC, event_type", " ORDER BY last_ts_ns, event_type DESC",
                              " ORDER BY event_type DESC"}) {
      std::string types_where = where;
      for (const char* from : {"error_count", "event_count"}) {
        for (size_t p; (p = types_where.find(from)) != std::string::npos;) types_where.replace(p, std::strlen(from), "count");
      }
      const std::string sql = "SELECT event_type, count, first_ts_ns, last_ts_ns FROM {} " + types_where + order;
      INFO(sql);
      CHECK(db.rows(fmt::format(fmt::runtime(sql), "event_types")) ==
            db.rows(fmt::format(fmt::runtime(sql), "ref_event_types")));
    }
  }
  CHECK(nonempty_summaries > 20);  // of 56
}

TEST_CASE("plans use the indexes the constraints allow", "[sql]") {
  TempDir dir;
  std::unique_ptr<Store> store;
  REQUIRE(Store::open(dir / "db", {}, &store).ok());
  REQUIRE(store->append(make_events(100)).ok());
  Db db;
  REQUIRE(sql::register_tables(db.db, store.get()).ok());
  const auto plan = [&](const std::string& sql) {
    std::string all;
    for (const auto& row : db.rows("EXPLAIN QUERY PLAN " + sql)) all += row;
    return all;
  };
  CHECK(plan("SELECT * FROM events WHERE event_id = 'x'").find("INDEX 1:i") != std::string::npos);
  CHECK(plan("SELECT * FROM events WHERE execution_id = 'x' ORDER BY ts_ns").find("INDEX 2:x") != std::string::npos);
  CHECK(plan("SELECT * FROM events WHERE execution_id = 'x' ORDER BY ts_ns").find("ORDER BY") == std::string::npos);
  CHECK(plan("SELECT * FROM events WHERE seq > 5").find("INDEX 3:s") != std::string::npos);
  CHECK(plan("SELECT * FROM events WHERE ts_ns >= 1 AND ts_ns < 2").find("INDEX 4:") != std::string::npos);
  CHECK(plan("SELECT * FROM events").find("INDEX 5:") != std::string::npos);
  CHECK(plan("SELECT count(*) FROM events WHERE ts_ns >= 1 AND ts_ns < 2").find("INDEX 6:") != std::string::npos);
  CHECK(plan("SELECT count(*) FROM events").find("INDEX 6:") != std::string::npos);
  CHECK(plan("SELECT count(*) FROM events WHERE ts_ns >= 1 AND event_type = 'x'").find("INDEX 4:") !=
        std::string::npos);
  CHECK(plan("SELECT * FROM events WHERE execution_id IN ('a', 'b')").find("INDEX 2:X") != std::string::npos);
  CHECK(plan("SELECT * FROM events WHERE execution_id IN ('a', 'b') ORDER BY execution_id, ts_ns").find("ORDER BY") ==
        std::string::npos);
  CHECK(plan("SELECT * FROM events WHERE event_id IN ('a', 'b')").find("INDEX 1:I") != std::string::npos);
  CHECK(plan("SELECT * FROM events WHERE execution_id = 'x' COLLATE NOCASE").find("INDEX 5:") != std::string::npos);
}

TEST_CASE("the tables are read-only, with a message that says so", "[sql]") {
  TempDir dir;
  std::unique_ptr<Store> store;
  REQUIRE(Store::open(dir / "db", {}, &store).ok());
  REQUIRE(store->append(make_events(3)).ok());  // DELETE and UPDATE only call xUpdate for rows
  Db db;
  REQUIRE(sql::register_tables(db.db, store.get()).ok());
  for (const char* sql : {"INSERT INTO events(event_id) VALUES ('x')", "DELETE FROM events", "UPDATE executions SET event_count = 1"}) {
    const auto rows = db.rows(sql);
    INFO(sql);
    REQUIRE(rows.size() == 1);
    CHECK(rows[0].find("read-only") != std::string::npos);
  }
}

TEST_CASE("a table over a path sees what the writer appends, query by query", "[sql]") {
  TempDir dir;
  std::unique_ptr<Store> writer;
  REQUIRE(Store::open(dir / "db", {}, &writer).ok());
  const auto events = make_events(40);
  REQUIRE(writer->append(std::span<const Event>(events).subspan(0, 10)).ok());
  Db db;
  REQUIRE(sql::register_modules(db.db, nullptr) == SQLITE_OK);
  db.exec(fmt::format("CREATE VIRTUAL TABLE temp.ev USING streamll_events('{}')", dir / "db"));
  CHECK(db.rows("SELECT count(*) FROM ev") == std::vector<std::string>{"1:10|"});
  REQUIRE(writer->append(std::span<const Event>(events).subspan(10)).ok());
  CHECK(db.rows("SELECT count(*) FROM ev") == std::vector<std::string>{"1:40|"});
  char* err = nullptr;
  CHECK(sqlite3_exec(db.db, "CREATE VIRTUAL TABLE temp.bad USING streamll_events('/nonexistent/store')", nullptr,
                     nullptr, &err) != SQLITE_OK);
  CHECK(std::string(err ? err : "").find("no store at /nonexistent/store") != std::string::npos);
  sqlite3_free(err);
}

TEST_CASE("the loadable extension works in the stock sqlite3 shell", "[sql][process]") {
  if (std::getenv("STREAMLL_EXTENSION") == nullptr) {
    WARN("skipped: sanitizer builds cannot load into the stock sqlite3 shell");
    return;
  }
  TempDir dir;
  {
    std::unique_ptr<Store> store;
    REQUIRE(Store::open(dir / "db", {}, &store).ok());
    REQUIRE(store->append(make_events(50)).ok());
  }
  std::string extension = testing::program("STREAMLL_EXTENSION");
  extension.resize(extension.size() - 3);  // without ".so", as users type it
  const std::string script = fmt::format(
      ".load {0}\n"
      "CREATE VIRTUAL TABLE temp.events USING streamll_events('{1}');\n"
      "CREATE VIRTUAL TABLE temp.executions USING streamll_executions('{1}');\n"
      "CREATE VIRTUAL TABLE temp.event_types USING streamll_event_types('{1}');\n"
      "SELECT count(*), sum(seq) FROM events;\n"
      "SELECT sum(event_count) FROM executions;\n"
      "SELECT sum(count) FROM event_types;\n",
      extension, dir / "db");
  const auto r = testing::run({"/usr/bin/sqlite3", ":memory:"}, script);
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.out == "50|1275\n50\n50\n");

  // It calls the shell's SQLite through the routines the shell hands it, not
  // a libsqlite3 of its own: it names no SQLite function it would need to
  // find elsewhere.
  const auto symbols = testing::run({"/usr/bin/nm", "-D", "--undefined-only", testing::program("STREAMLL_EXTENSION")}, "");
  REQUIRE(symbols.exit_code == 0);
  CHECK(symbols.out.find("sqlite3_") == std::string::npos);

  // A table over a path is for top-level SQL only: a view in a database's
  // schema (a file from elsewhere could carry one) cannot read through it.
  const auto unsafe = testing::run({"/usr/bin/sqlite3", "-bail", ":memory:"},
                                   fmt::format(".load {0}\n"
                                               "CREATE VIRTUAL TABLE main.ev USING streamll_events('{1}');\n"
                                               "SELECT count(*) FROM ev;\n"
                                               "CREATE VIEW main.v AS SELECT count(*) FROM ev;\n"
                                               "SELECT * FROM v;\n",
                                               extension, dir / "db"));
  CHECK(unsafe.out == "50\n");
  CHECK(unsafe.err.find("unsafe use of virtual table") != std::string::npos);
  CHECK(unsafe.exit_code != 0);
}

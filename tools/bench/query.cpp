// query: how fast SQL over a store answers the questions people ask of an
// event log, beside the same events in a native SQLite table indexed on
// (execution_id, ts_ns), (ts_ns) and (event_id), in the same run.
//
// Both sides run the same SQL text with the same parameters through SQLite:
// streamll through its virtual tables (include/streamll/sql.hpp) over a
// read-only view of the store, as `streamll query` reads it; the baseline
// through an ordinary table with the virtual table's columns. Both must give
// the same rows, or the benchmark fails: a fast wrong answer measures
// nothing. And each baseline query must use the plan it is meant to (its
// index, or a scan where there is none), or the baseline is not the one
// the targets were set against.
//
// Both sides are queried at rest: the store closed after loading, reopened
// once so that its log is replayed into tables, then opened as a read-only
// view; the SQLite file closed after loading and opened afresh. Each keeps
// its default cache. The files were just written, so the OS has them in
// memory: this measures the CPU cost of queries, not the disk.
#include <algorithm>
#include <filesystem>
#include <string>
#include <variant>
#include <vector>

#include <fmt/ranges.h>

#include "bench.hpp"
#include "load.hpp"
#include "sqlite.hpp"
#include "streamll/sql.hpp"
#include "streamll/store.hpp"
#include "workload.hpp"

namespace fs = std::filesystem;

namespace streamll::bench {

namespace {

// The virtual table's columns (include/streamll/sql.hpp), as a plain table
// with the three indexes the queries need, and the executions table's
// summaries as a plain table with an index on their last event. The indexes are built after the
// load, from sorted data, as a bulk load would: that packs them fully.
constexpr const char* kBaselineTable = R"(
  CREATE TABLE events (
    event_id TEXT, execution_id TEXT, timestamp TEXT, ts_ns INTEGER, event_type TEXT,
    module_name TEXT, method_name TEXT, operation TEXT, data TEXT, tags TEXT, seq INTEGER);
)";
constexpr const char* kBaselineIndexes = R"(
  CREATE INDEX events_by_execution ON events (execution_id, ts_ns);
  CREATE INDEX events_by_time ON events (ts_ns);
  CREATE INDEX events_by_id ON events (event_id);
  CREATE TABLE executions (execution_id TEXT PRIMARY KEY, first_ts_ns INTEGER, last_ts_ns INTEGER,
                           event_count INTEGER, error_count INTEGER);
  INSERT INTO executions
    SELECT execution_id, min(ts_ns), max(ts_ns), count(*),
           sum(event_type = 'error' OR (length(event_type) > 6 AND event_type LIKE '%.error'))
    FROM events GROUP BY execution_id;
  CREATE INDEX executions_by_last ON executions (last_ts_ns);
)";
constexpr const char* kBaselineInsert =
    "INSERT INTO events (event_id, execution_id, timestamp, ts_ns, event_type, module_name, "
    "method_name, operation, data, tags, seq) VALUES (:event_id, :execution_id, :timestamp, :ts_ns, "
    ":event_type, :module_name, :method_name, :operation, :data, :tags, :seq)";

// How often a query runs on each side after its warm-up: at least `min`
// times and until the slower side has spent `seconds`, but at most `max`
// times. A full scan takes about a second on a million events; a lookup,
// tens of microseconds, which need thousands of runs for a stable median.
struct Repeats {
  int min;
  int max;
  double seconds;
};
constexpr Repeats kLookupRepeats{20, 5000, 0.3};
constexpr Repeats kScanRepeats{5, 15, 2.0};

using Param = std::variant<int64_t, std::string>;

struct Query {
  const char* metric;
  std::string sql;
  std::vector<Param> params;
  double target;  // the most streamll's time may be, as a multiple of the baseline's
  Repeats repeats;
  // What the baseline's EXPLAIN QUERY PLAN must say.
  const char* baseline_plan;
};

// The queries of the issues, with parameters from the middle of the
// workload: an execution, a minute and an event that are neither the first
// nor the last, so no side gains from an edge of its key range. q6-q8 are
// what a dashboard asks all day: the latest events, the runs that failed
// lately (from the executions table, against a plain table of the same
// summaries), one type in a window.
std::vector<Query> make_queries(Events events) {
  const Event& middle = events[events.size() / 2];
  const int64_t mid_ts = events.front().timestamp + (events.back().timestamp - events.front().timestamp) / 2;
  constexpr int64_t kMinute = 60'000'000'000;
  constexpr int64_t kHour = 60 * kMinute;
  // tokens is uniform in [0, 4096) (workload.cpp): about 2% of the events.
  constexpr int64_t kManyTokens = 4000;
  return {
      {"q1_execution_ms", "SELECT * FROM events WHERE execution_id = ? ORDER BY ts_ns", {middle.execution_id},
       1.0, kLookupRepeats, "USING INDEX events_by_execution"},
      {"q2_time_range_ms", "SELECT count(*) FROM events WHERE ts_ns >= ? AND ts_ns < ?",
       {mid_ts, mid_ts + kMinute}, 1.5, kLookupRepeats, "USING COVERING INDEX events_by_time"},
      {"q3_group_by_ms", "SELECT event_type, count(*) FROM events GROUP BY 1", {}, 1.2, kScanRepeats,
       "SCAN events"},
      {"q4_json_filter_ms", "SELECT count(*) FROM events WHERE data->>'$.tokens' >= ?", {kManyTokens}, 1.2,
       kScanRepeats, "SCAN events"},
      {"q5_event_id_ms", "SELECT * FROM events WHERE event_id = ?", {middle.event_id}, 1.0, kLookupRepeats,
       "USING INDEX events_by_id"},
      {"q6_latest_ms", "SELECT * FROM events ORDER BY ts_ns DESC LIMIT 50", {}, 1.0, kLookupRepeats,
       "USING INDEX events_by_time"},
      {"q7_recent_errors_ms",
       "SELECT execution_id, error_count FROM executions WHERE error_count > 0 AND last_ts_ns >= ? "
       "ORDER BY last_ts_ns DESC",
       {events.back().timestamp - kHour}, 1.0, kLookupRepeats, "USING INDEX executions_by_last"},
      {"q8_type_window_ms", "SELECT * FROM events WHERE event_type = ? AND ts_ns >= ? AND ts_ns < ? ORDER BY ts_ns",
       {std::string("llm.call.end"), mid_ts, mid_ts + kMinute}, 1.2, kLookupRepeats, "USING INDEX events_by_time"},
  };
}

void bind(sqlite3_stmt* stmt, const std::vector<Param>& params) {
  for (size_t i = 0; i < params.size(); ++i) {
    const int index = static_cast<int>(i) + 1;
    if (const auto* n = std::get_if<int64_t>(&params[i])) {
      sqlite3_bind_int64(stmt, index, *n);
    } else {
      const std::string& text = std::get<std::string>(params[i]);
      sqlite3_bind_text(stmt, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
    }
  }
}

// The current row as text, each value tagged with its type, so that the
// integer 1 and the text '1' differ.
std::string row_text(sqlite3_stmt* stmt) {
  std::string out;
  for (int i = 0; i < sqlite3_column_count(stmt); ++i) {
    if (i > 0) out += " | ";
    switch (sqlite3_column_type(stmt, i)) {
      case SQLITE_NULL: out += "NULL"; break;
      case SQLITE_INTEGER: out += fmt::format("{}", sqlite3_column_int64(stmt, i)); break;
      case SQLITE_FLOAT: out += fmt::format("{}r", sqlite3_column_double(stmt, i)); break;
      default:
        out += '\'';
        out.append(reinterpret_cast<const char*>(sqlite3_column_text(stmt, i)),
                   static_cast<size_t>(sqlite3_column_bytes(stmt, i)));
        out += '\'';
    }
  }
  return out;
}

// Steps `stmt` to its end and resets it, keeping its bindings. With `rows`,
// appends each row's text; without, reads nothing: SQLite computes every
// result column before a step returns, so the work is done either way.
Status run_statement(const Sqlite& db, sqlite3_stmt* stmt, std::vector<std::string>* rows) {
  int rc;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    if (rows != nullptr) rows->push_back(row_text(stmt));
  }
  const Status s = db.check(rc, sqlite3_sql(stmt));
  sqlite3_reset(stmt);
  return s;
}

// One side of the comparison: a connection with every query prepared.
struct Side {
  const char* name;
  Sqlite db;
  std::vector<Statement> statements;  // finalized before db closes: declared after it

  Side(const char* side_name, std::string path) : name(side_name), db(std::move(path)) {}

  Status prepare(const std::vector<Query>& queries) {
    for (const Query& q : queries) {
      Statement stmt(nullptr, sqlite3_finalize);
      if (Status s = db.prepare(q.sql, &stmt); !s.ok()) return s;
      bind(stmt.get(), q.params);
      statements.push_back(std::move(stmt));
    }
    return Status::ok_status();
  }

  // The EXPLAIN QUERY PLAN lines, joined with "; ".
  Status plan(const Query& q, std::string* out) {
    Statement stmt(nullptr, sqlite3_finalize);
    if (Status s = db.prepare("EXPLAIN QUERY PLAN " + q.sql, &stmt); !s.ok()) return s;
    bind(stmt.get(), q.params);
    std::vector<std::string> lines;
    int rc;
    while ((rc = sqlite3_step(stmt.get())) == SQLITE_ROW) {
      lines.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(stmt.get(), 3)));
    }
    *out = fmt::format("{}", fmt::join(lines, "; "));
    return db.check(rc, "EXPLAIN QUERY PLAN");
  }

  // Runs query i once; its time in ms.
  Status time(size_t i, std::vector<double>* ms) {
    const Stopwatch watch;
    if (Status s = run_statement(db, statements[i].get(), nullptr); !s.ok()) return s;
    ms->push_back(watch.seconds() * 1e3);
    return Status::ok_status();
  }
};

// Up to 200 characters of `s` around offset `at`, where two rows differ.
std::string excerpt(const std::string& s, size_t at) {
  constexpr size_t kBefore = 60, kLength = 200;
  const size_t from = at > kBefore ? at - kBefore : 0;
  return (from > 0 ? "..." : "") + s.substr(from, kLength) + (from + kLength < s.size() ? "..." : "");
}

// Runs query i once on each side and fails unless they give the same rows.
// It is also the warm-up: the pages and blocks each query reads are cached.
Status check_same_rows(const Query& q, size_t i, Side& ours, Side& theirs, size_t* rows) {
  std::vector<std::string> a, b;
  if (Status s = run_statement(ours.db, ours.statements[i].get(), &a); !s.ok()) return s;
  if (Status s = run_statement(theirs.db, theirs.statements[i].get(), &b); !s.ok()) return s;
  const auto [ia, ib] = std::mismatch(a.begin(), a.end(), b.begin(), b.end());
  if (ia != a.end() || ib != b.end()) {
    const std::string ra = ia == a.end() ? "(no row)" : *ia, rb = ib == b.end() ? "(no row)" : *ib;
    const size_t at = static_cast<size_t>(std::mismatch(ra.begin(), ra.end(), rb.begin(), rb.end()).first - ra.begin());
    return Status::corruption(fmt::format(
        "{}: {} and {} give different results for {} ({} and {} rows); first difference at row {}:\n"
        "  {}: {}\n  {}: {}",
        q.metric, ours.name, theirs.name, q.sql, a.size(), b.size(), ia - a.begin() + 1, ours.name,
        excerpt(ra, at), theirs.name, excerpt(rb, at)));
  }
  *rows = a.size();
  return Status::ok_status();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

struct Timing {
  double ours_ms = 0;
  double theirs_ms = 0;
  size_t runs = 0;
};

// Alternates the sides run by run, and which goes first, so that what else
// this machine does at the time, and any cost one run leaves the next,
// falls on both alike.
Status time_query(const Query& q, size_t i, Side& ours, Side& theirs, Timing* out) {
  std::vector<double> our_ms, their_ms;
  double our_spent = 0, their_spent = 0;
  const auto run_on = [&](bool on_ours) {
    return on_ours ? ours.time(i, &our_ms) : theirs.time(i, &their_ms);
  };
  for (int run = 0; run < q.repeats.max; ++run) {
    if (run >= q.repeats.min && std::max(our_spent, their_spent) >= q.repeats.seconds) break;
    const bool ours_first = run % 2 == 0;
    if (Status s = run_on(ours_first); !s.ok()) return s;
    if (Status s = run_on(!ours_first); !s.ok()) return s;
    our_spent += our_ms.back() / 1e3;
    their_spent += their_ms.back() / 1e3;
  }
  *out = Timing{median(our_ms), median(their_ms), our_ms.size()};
  return Status::ok_status();
}

class QueryBenchmark : public Benchmark {
 public:
  const char* name() const override { return "query"; }
  const char* description() const override {
    return "SQL over a store through streamll's virtual tables (an execution, a minute, GROUP BY\n"
           "event_type, a JSON filter, an event by id, the latest 50, recent failed runs, one type\n"
           "in a window); compare the median time per query with the same events in indexed SQLite tables";
  }

  void add_options(CLI::App& cmd) override {
    add_workload_options(cmd, &workload_);
    cmd.add_option("--only", only_, "Run only these queries (q1 ... q8; default: all), e.g. to profile one")
        ->delimiter(',');
  }

  Status run(const ScratchDir& dir, Report* report) override {
    const std::string store_dir = (fs::path(dir.path()) / "store").string();
    const std::string sqlite_path = (fs::path(dir.path()) / "events.db").string();
    std::vector<Query> queries;
    if (Status s = load(store_dir, sqlite_path, &queries); !s.ok()) return s;
    if (!only_.empty()) {
      std::erase_if(queries, [&](const Query& q) {
        return std::none_of(only_.begin(), only_.end(),
                            [&](const std::string& name) { return std::string_view(q.metric).starts_with(name + "_"); });
      });
      if (queries.empty()) return Status::invalid_argument("--only names none of the queries q1 ... q8");
    }

    // Declared before the connection whose tables read it, so it outlives them.
    std::unique_ptr<Store> store;
    StoreOptions read_only;
    read_only.mode = StoreOptions::Mode::kReadOnlyLive;
    if (Status s = Store::open(store_dir, read_only, &store); !s.ok()) return s;
    Side ours("streamll", ":memory:"), theirs("sqlite", sqlite_path);
    Status s = ours.db.open();
    if (s.ok()) s = sql::register_tables(ours.db.get(), store.get());
    if (s.ok()) s = theirs.db.open();
    if (s.ok()) s = ours.prepare(queries);
    if (s.ok()) s = theirs.prepare(queries);
    for (size_t i = 0; i < queries.size() && s.ok(); ++i) s = measure(queries[i], i, ours, theirs, report);
    return s;
  }

 private:
  // Writes the events into the store and the baseline database, both left
  // closed, and picks the queries' parameters from them.
  Status load(const std::string& store_dir, const std::string& sqlite_path, std::vector<Query>* queries) {
    Stopwatch watch;
    // Freed on return: the queries run without a million events in memory.
    const std::vector<Event> events = make_events(workload_);
    *queries = make_queries(events);
    progress("query: generated {} events ({} per execution) in {:.1f} s; in {}",
             format_number(static_cast<double>(events.size())), workload_.events_per_execution,
             watch.seconds(), fs::path(store_dir).parent_path().string());

    watch = Stopwatch();
    if (Status s = write_store(events, kBatch, store_dir); !s.ok()) return s;
    if (Status s = settle_store(store_dir); !s.ok()) return s;
    progress("query: store  written and reopened in {:.1f} s: {} bytes on disk", watch.seconds(),
             format_number(static_cast<double>(directory_bytes(store_dir))));

    watch = Stopwatch();
    Sqlite db(sqlite_path);
    Status s = db.open();
    if (s.ok()) s = db.exec(kBaselineTable, "schema");
    if (s.ok()) s = insert_events(db, kBaselineInsert, events, events.size());  // one transaction
    if (s.ok()) s = db.exec(kBaselineIndexes, "indexes");
    if (Status closed = db.close(); s.ok()) s = closed;
    if (!s.ok()) return s;
    progress("query: sqlite written and indexed in {:.1f} s: {} bytes on disk", watch.seconds(),
             format_number(static_cast<double>(fs::file_size(sqlite_path))));
    return Status::ok_status();
  }

  Status measure(const Query& q, size_t i, Side& ours, Side& theirs, Report* report) {
    std::string our_plan, their_plan;
    if (Status s = ours.plan(q, &our_plan); !s.ok()) return s;
    if (Status s = theirs.plan(q, &their_plan); !s.ok()) return s;
    progress("query: {}: {}", q.metric, q.sql);
    progress("query:   plan {:<8} {}", ours.name, our_plan);
    progress("query:   plan {:<8} {}", theirs.name, their_plan);
    if (their_plan.find(q.baseline_plan) == std::string::npos) {
      return Status::invalid_argument(fmt::format("{}: the {} plan {:?} does not say {:?}", q.metric,
                                                  theirs.name, their_plan, q.baseline_plan));
    }

    size_t rows = 0;
    if (Status s = check_same_rows(q, i, ours, theirs, &rows); !s.ok()) return s;
    Timing t;
    if (Status s = time_query(q, i, ours, theirs, &t); !s.ok()) return s;
    // The target and whether it is met are the table's to say (report.cpp).
    progress("query:   {} rows, the same on both; median of {} runs: {} {} ms, {} {} ms, ratio {:.2f}x", rows,
             t.runs, ours.name, format_number(t.ours_ms), theirs.name, format_number(t.theirs_ms),
             t.ours_ms / t.theirs_ms);

    report->add(Metric{.bench = "query",
                       .metric = q.metric,
                       .value = t.ours_ms,
                       .unit = "ms",
                       .baselines = {{theirs.name, t.theirs_ms}},
                       .higher_is_better = false,
                       .targets = {{theirs.name, q.target}}});
    return Status::ok_status();
  }

  // Events per Store::append, as ingest's default --batch.
  static constexpr size_t kBatch = 1000;
  Workload workload_;
  std::vector<std::string> only_;
};

}  // namespace

std::unique_ptr<Benchmark> make_query_benchmark() { return std::make_unique<QueryBenchmark>(); }

}  // namespace streamll::bench

// serve: how fast `streamll serve` answers what its page asks all day (the
// executions list, one execution of 1,000 events, /metrics) over a store of
// a million events, with 1 and 16 clients at once; beside the same question
// asked through the SQL tables in-process, as `streamll query` asks it, in
// the same run.
//
// The server runs in this process on a loopback port over a read-only view
// of the store, as `streamll serve` does; each client is a thread with a
// keep-alive connection of its own, sending its requests back to back. A
// request's latency is from sending to the last byte of the answer.
#include <algorithm>
#include <atomic>
#include <filesystem>
#include <thread>
#include <vector>

#include <httplib.h>

#include "bench.hpp"
#include "load.hpp"
#include "sqlite.hpp"
#include "streamll/serve.hpp"
#include "streamll/sql.hpp"
#include "streamll/store.hpp"
#include "workload.hpp"

namespace fs = std::filesystem;

namespace streamll::bench {

namespace {

using Clock = std::chrono::steady_clock;

struct Latencies {
  double p50_ms = 0, p99_ms = 0, requests_per_s = 0;
};

Latencies summarize(std::vector<double> ms, double seconds) {
  std::sort(ms.begin(), ms.end());
  const auto at = [&](double p) { return ms[static_cast<size_t>(p * static_cast<double>(ms.size() - 1))]; };
  return {at(0.5), at(0.99), static_cast<double>(ms.size()) / seconds};
}

// `clients` threads each GET `path` `requests` times (after 3 unmeasured).
Status load_server(int port, const std::string& path, int clients, size_t requests, Latencies* out) {
  std::vector<std::vector<double>> samples(static_cast<size_t>(clients));
  std::atomic<bool> failed{false};
  std::string failure;
  std::mutex failure_mutex;
  std::vector<std::thread> threads;
  const auto start = Clock::now();
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      httplib::Client client("127.0.0.1", port);
      client.set_keep_alive(true);
      client.set_read_timeout(60, 0);
      for (size_t i = 0; i < requests + 3 && !failed; ++i) {
        const auto t0 = Clock::now();
        auto res = client.Get(path);
        const auto t1 = Clock::now();
        if (!res || res->status != 200 || res->body.empty()) {
          std::lock_guard lock(failure_mutex);
          failure = fmt::format("GET {}: {}", path,
                                res ? fmt::format("HTTP {}: {}", res->status, res->body.substr(0, 200))
                                    : httplib::to_string(res.error()));
          failed = true;
          return;
        }
        if (i >= 3) samples[static_cast<size_t>(c)].push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
      }
    });
  }
  for (auto& t : threads) t.join();
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  if (failed) return Status::io_error(failure);
  std::vector<double> all;
  for (const auto& s : samples) all.insert(all.end(), s.begin(), s.end());
  *out = summarize(std::move(all), seconds);
  return Status::ok_status();
}

// The same question through the SQL tables: `runs` times, after one warm-up.
Status time_sql(Sqlite& db, const std::string& sql, size_t runs, Latencies* out) {
  Statement stmt(nullptr, sqlite3_finalize);
  if (Status s = db.prepare(sql, &stmt); !s.ok()) return s;
  std::vector<double> ms;
  const auto start = Clock::now();
  for (size_t i = 0; i < runs + 1; ++i) {
    const auto t0 = Clock::now();
    int rc;
    size_t rows = 0;
    while ((rc = sqlite3_step(stmt.get())) == SQLITE_ROW) ++rows;
    if (Status s = db.check(rc, sql); !s.ok()) return s;
    sqlite3_reset(stmt.get());
    if (rows == 0) return Status::corruption(fmt::format("{}: no rows", sql));
    if (i > 0) ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
  }
  *out = summarize(std::move(ms), std::chrono::duration<double>(Clock::now() - start).count());
  return Status::ok_status();
}

class ServeBenchmark : public Benchmark {
 public:
  const char* name() const override { return "serve"; }
  const char* description() const override {
    return "streamll serve's executions list, one execution of 1,000 events and /metrics over HTTP,\n"
           "with 1 and 16 concurrent clients: p50/p99 latency and requests/s; compare each with the\n"
           "same question through the SQL tables in-process, as `streamll query` asks it";
  }

  void add_options(CLI::App& cmd) override {
    add_workload_options(cmd, &workload_);
    cmd.add_option("--requests", requests_, "Requests per client per endpoint")->capture_default_str();
  }

  Status run(const ScratchDir& dir, Report* report) override {
    const std::string store_dir = (fs::path(dir.path()) / "store").string();
    if (Status s = load(store_dir); !s.ok()) return s;

    std::unique_ptr<Store> store;
    StoreOptions read_only;
    read_only.mode = StoreOptions::Mode::kReadOnlyLive;
    if (Status s = Store::open(store_dir, read_only, &store); !s.ok()) return s;
    ServeOptions options;
    options.port = 0;
    std::unique_ptr<Server> server;
    if (Status s = Server::start(*store, options, &server); !s.ok()) return s;
    if (Status s = wait_for_metrics(server->port()); !s.ok()) return s;

    Sqlite db(":memory:");
    Status s = db.open();
    if (s.ok()) s = sql::register_tables(db.get(), store.get());
    if (!s.ok()) return s;

    struct Endpoint {
      const char* name;
      std::string path;
      std::string sql;  // the same question through SQL
    };
    const std::vector<Endpoint> endpoints = {
        {"list", "/api/executions?limit=50", "SELECT * FROM executions ORDER BY first_ts_ns DESC LIMIT 50"},
        {"execution", std::string("/api/executions/") + kBig + "?limit=2000",
         std::string("SELECT * FROM events WHERE execution_id = '") + kBig + "' ORDER BY ts_ns"},
        {"metrics", "/metrics", "SELECT event_type, count FROM event_types"},
    };
    for (const Endpoint& e : endpoints) {
      Latencies sql_time;
      if (Status t = time_sql(db, e.sql, requests_, &sql_time); !t.ok()) return t;
      progress("serve: {}: through SQL ({}) p50 {} ms", e.name, e.sql, format_number(sql_time.p50_ms));
      Latencies one;
      for (int clients : {1, 16}) {
        Latencies l;
        if (Status t = load_server(server->port(), e.path, clients, requests_, &l); !t.ok()) return t;
        if (clients == 1) one = l;
        progress("serve: {} with {} client(s): p50 {} ms, p99 {} ms, {} requests/s", e.path, clients,
                 format_number(l.p50_ms), format_number(l.p99_ms), format_number(l.requests_per_s));
        const std::string tag = fmt::format("{}_{}c", e.name, clients);
        report->add(Metric{.bench = "serve", .metric = tag + "_p50_ms", .value = l.p50_ms, .unit = "ms",
                           .baselines = {{"sql p50", sql_time.p50_ms}}, .higher_is_better = false});
        report->add(Metric{.bench = "serve", .metric = tag + "_p99_ms", .value = l.p99_ms, .unit = "ms",
                           .baselines = {{"sql p50", sql_time.p50_ms}}, .higher_is_better = false});
        if (clients > 1) {
          report->add(Metric{.bench = "serve", .metric = tag + "_requests_per_s", .value = l.requests_per_s,
                             .unit = "requests/s", .baselines = {{"1 client", one.requests_per_s}}});
        }
      }
    }
    server->stop();
    return Status::ok_status();
  }

 private:
  static constexpr const char* kBig = "bench-big-execution";

  // The workload plus one execution of 1,000 events after it, written and
  // settled as the query benchmark's store is.
  Status load(const std::string& store_dir) {
    Stopwatch watch;
    std::vector<Event> events = make_events(workload_);
    const int64_t after = events.back().timestamp;
    for (size_t i = 0; i < 1000; ++i) {
      Event e = events[i % events.size()];
      e.event_id = fmt::format("big-{:06}", i);
      e.execution_id = kBig;
      e.timestamp = after + static_cast<int64_t>(i + 1) * 1000;
      events.push_back(std::move(e));
    }
    if (Status s = write_store(events, 1000, store_dir); !s.ok()) return s;
    if (Status s = settle_store(store_dir); !s.ok()) return s;
    progress("serve: {} events written and settled in {:.1f} s", format_number(static_cast<double>(events.size())),
             watch.seconds());
    return Status::ok_status();
  }

  // /metrics' histogram is filled by a background pass over the log: wait
  // until two answers a second apart are the same.
  static Status wait_for_metrics(int port) {
    httplib::Client client("127.0.0.1", port);
    client.set_read_timeout(60, 0);
    std::string last;
    for (int i = 0; i < 600; ++i) {
      auto res = client.Get("/metrics");
      if (!res || res->status != 200) return Status::io_error("GET /metrics failed while waiting for it");
      if (res->body == last) return Status::ok_status();
      last = res->body;
      std::this_thread::sleep_for(std::chrono::seconds(1));
    }
    return Status::io_error("/metrics did not settle in 10 minutes");
  }

  Workload workload_;
  size_t requests_ = 200;
};

}  // namespace

std::unique_ptr<Benchmark> make_serve_benchmark() { return std::make_unique<ServeBenchmark>(); }

}  // namespace streamll::bench

// ingest: how fast events go into a store, and what they cost on disk,
// beside two baselines fed the same events in the same run: a JSONL file (the
// least any persistent log can do) and an indexed SQLite table (the usual
// embedded alternative).
//
// Each variant is timed from open to close, close included, since only then
// is all its data in files. Each keeps the durability it has by default: the
// JSONL file is never fsynced, the store does not sync its log
// (StoreOptions::sync = false), and SQLite in WAL mode with
// synchronous=NORMAL syncs at checkpoints only (the last one at close).
#include <filesystem>
#include <functional>
#include <memory>
#include <numeric>
#include <ranges>

#include <fmt/ranges.h>

#include "bench.hpp"
#include "load.hpp"
#include "sqlite.hpp"
#include "streamll/event_json.hpp"
#include "workload.hpp"

namespace fs = std::filesystem;

namespace streamll::bench {

namespace {

Status ingest_jsonl(Events events, const std::string& dir) {
  const std::string path = dir + "/events.jsonl";
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "wb"), std::fclose);
  if (!file) return Status::io_error(fmt::format("cannot create {}", path));
  // A large buffer: one write(2) per MiB, the cheapest a log writer gets.
  std::setvbuf(file.get(), nullptr, _IOFBF, 1 << 20);
  std::string line;
  for (const Event& e : events) {
    line.clear();
    append_event_json(e, &line);
    line.push_back('\n');
    std::fwrite(line.data(), 1, line.size(), file.get());
  }
  const bool write_failed = std::ferror(file.get()) != 0;
  if (std::fclose(file.release()) != 0 || write_failed) {
    return Status::io_error(fmt::format("cannot write {}", path));
  }
  return Status::ok_status();
}

// The same indexes as the store's by-execution and by-id lookups; the
// rowid gives arrival order, as the store's seq does. UNIQUE with OR IGNORE
// mirrors the store's event_id dedupe, which also costs it a lookup per event.
constexpr const char* kSqliteSchema = R"(
  PRAGMA journal_mode = WAL;
  PRAGMA synchronous = NORMAL;
  CREATE TABLE events (
    seq INTEGER PRIMARY KEY,
    event_id TEXT NOT NULL,
    execution_id TEXT NOT NULL,
    ts INTEGER NOT NULL,
    module_name TEXT NOT NULL,
    method_name TEXT NOT NULL,
    event_type TEXT NOT NULL,
    operation TEXT,
    data TEXT NOT NULL,
    tags TEXT NOT NULL);
  CREATE INDEX events_by_execution ON events (execution_id, ts);
  CREATE UNIQUE INDEX events_by_id ON events (event_id);
)";

constexpr const char* kSqliteInsert =
    "INSERT OR IGNORE INTO events (event_id, execution_id, ts, module_name, method_name, "
    "event_type, operation, data, tags) VALUES (:event_id, :execution_id, :ts_ns, :module_name, "
    ":method_name, :event_type, :operation, :data, :tags)";

Status ingest_sqlite(Events events, size_t batch, const std::string& dir) {
  Sqlite db(dir + "/events.db");
  Status s = db.open();
  if (s.ok()) s = db.exec(kSqliteSchema, "schema");
  if (s.ok()) s = insert_events(db, kSqliteInsert, events, batch);
  const Status closed = db.close();
  return s.ok() ? closed : s;
}

struct Outcome {
  double events_per_s = 0;
  double bytes_per_event = 0;          // on disk right after the run
  double written_per_event = 0;        // handed to write(2) during the run
  double at_rest_per_event = 0;        // on disk once settled (store only; else as bytes_per_event)
};

// Runs one variant in a subdirectory of its own, then calls `inspect` (if
// any, untimed) and removes the files: deleting them drops their dirty pages,
// so their writeback does not slow the variants that run after.
Status measure(const char* name, Events events, const ScratchDir& parent,
               const std::function<Status(Events, const std::string&)>& ingest, Outcome* out,
               const std::function<Status(const std::string&)>& inspect = {}) {
  const std::string dir = (fs::path(parent.path()) / name).string();
  fs::create_directory(dir);
  const uint64_t written_before = process_bytes_written();
  const Stopwatch watch;
  if (Status s = ingest(events, dir); !s.ok()) return s;
  const double seconds = watch.seconds();
  const uint64_t written = process_bytes_written() - written_before;
  const uint64_t bytes = directory_bytes(dir);
  const auto n = static_cast<double>(events.size());
  *out = Outcome{n / seconds, static_cast<double>(bytes) / n, static_cast<double>(written) / n,
                 static_cast<double>(bytes) / n};
  progress("ingest: {:<6} {:.2f} s, {} events/s, {} bytes on disk, {} bytes written", name, seconds,
           format_number(out->events_per_s), format_number(static_cast<double>(bytes)),
           format_number(static_cast<double>(written)));
  if (inspect) {
    if (Status s = inspect(dir); !s.ok()) return s;
  }
  if (!parent.keep()) fs::remove_all(dir);
  return Status::ok_status();
}

// The size after settle_store() is what the events cost at rest, which the
// reported bytes_per_event (the size right after the timed run) is not.
Status report_store_at_rest(const std::string& dir, size_t events, double* per_event) {
  if (Status s = settle_store(dir); !s.ok()) return s;
  const auto bytes = static_cast<double>(directory_bytes(dir));
  *per_event = bytes / static_cast<double>(events);
  progress("ingest: store  after a reopen (log replayed into tables): {} bytes on disk, {} bytes/event",
           format_number(bytes), format_number(bytes / static_cast<double>(events)));
  return Status::ok_status();
}

class IngestBenchmark : public Benchmark {
 public:
  const char* name() const override { return "ingest"; }
  const char* description() const override {
    return "Append events through Store::append; compare events/s and bytes on disk with\n"
           "writing the same events as JSONL and inserting them into an indexed SQLite table";
  }

  void add_options(CLI::App& cmd) override {
    add_workload_options(cmd, &workload_);
    cmd.add_option("--batch", batch_, "Events per Store::append call and per SQLite transaction")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
  }

  Status run(const ScratchDir& dir, Report* report) override {
    const Stopwatch generating;
    const std::vector<Event> events = make_events(workload_);
    const size_t data_bytes =
        std::accumulate(events.begin(), events.end(), size_t{0},
                        [](size_t sum, const Event& e) { return sum + e.data.dump().size(); });
    progress("ingest: generated {} events in {:.1f} s ({} per execution, data {} bytes each on average); "
             "batch {}; in {}",
             format_number(static_cast<double>(events.size())), generating.seconds(),
             workload_.events_per_execution, format_number(static_cast<double>(data_bytes) / events.size()),
             batch_, dir.path());

    Outcome jsonl, sqlite, store;
    std::vector<Tenth> tenths;  // the store's pace and CPU in each tenth of the run
    Status s = measure("jsonl", events, dir, ingest_jsonl, &jsonl);
    if (s.ok()) {
      s = measure("sqlite", events, dir,
                  [&](Events e, const std::string& d) { return ingest_sqlite(e, batch_, d); }, &sqlite);
    }
    if (s.ok()) {
      s = measure("store", events, dir,
                  [&](Events e, const std::string& d) { return write_store(e, batch_, d, &tenths); }, &store,
                  [&](const std::string& d) { return report_store_at_rest(d, events.size(), &store.at_rest_per_event); });
    }
    if (!s.ok()) return s;

    report->add(Metric{.bench = "ingest",
                       .metric = "events_per_s",
                       .value = store.events_per_s,
                       .unit = "events/s",
                       .baselines = {{"jsonl", jsonl.events_per_s}, {"sqlite", sqlite.events_per_s}},
                       .targets = {{"jsonl", 0.8}, {"sqlite", 8.0}}});
    if (tenths.size() >= 2) {
      progress("ingest: store pace by tenth of the run (events/s): {}",
               fmt::join(tenths | std::views::transform([](const Tenth& t) { return format_number(t.events_per_s); }),
                         ", "));
      progress("ingest: CPU per event by tenth, appending thread + RocksDB's threads (us): {}",
               fmt::join(tenths | std::views::transform([](const Tenth& t) {
                           return fmt::format("{:.2f} + {:.2f}", t.writer_cpu_us, t.background_cpu_us);
                         }),
                         ", "));
      // The pace, and why it moves: the appending thread's own CPU per
      // event, and what RocksDB's flushes and compactions take beside it.
      const auto last_vs_first = [&](const char* metric, double Tenth::*field, const char* unit,
                                     bool higher_is_better, std::map<std::string, double> targets) {
        report->add(Metric{.bench = "ingest",
                           .metric = metric,
                           .value = tenths.back().*field,
                           .unit = unit,
                           .baselines = {{"first_tenth", tenths.front().*field}},
                           .higher_is_better = higher_is_better,
                           .targets = std::move(targets)});
      };
      last_vs_first("last_tenth_events_per_s", &Tenth::events_per_s, "events/s", true, {{"first_tenth", 0.8}});
      last_vs_first("last_tenth_writer_cpu_per_event", &Tenth::writer_cpu_us, "us", false, {});
      last_vs_first("last_tenth_background_cpu_per_event", &Tenth::background_cpu_us, "us", false, {});
    }
    report->add(Metric{.bench = "ingest",
                       .metric = "bytes_per_event",
                       .value = store.bytes_per_event,
                       .unit = "bytes",
                       .baselines = {{"jsonl", jsonl.bytes_per_event}, {"sqlite", sqlite.bytes_per_event}},
                       .higher_is_better = false,
                       .targets = {}});
    report->add(Metric{.bench = "ingest",
                       .metric = "bytes_at_rest_per_event",
                       .value = store.at_rest_per_event,
                       .unit = "bytes",
                       .baselines = {{"jsonl", jsonl.at_rest_per_event}, {"sqlite", sqlite.at_rest_per_event}},
                       .higher_is_better = false,
                       .targets = {{"jsonl", 0.4}}});
    report->add(Metric{.bench = "ingest",
                       .metric = "bytes_written_per_event",
                       .value = store.written_per_event,
                       .unit = "bytes",
                       .baselines = {{"jsonl", jsonl.written_per_event}, {"sqlite", sqlite.written_per_event}},
                       .higher_is_better = false,
                       .targets = {}});
    return Status::ok_status();
  }

 private:
  Workload workload_;
  size_t batch_ = 1000;
};

}  // namespace

std::unique_ptr<Benchmark> make_ingest_benchmark() { return std::make_unique<IngestBenchmark>(); }

}  // namespace streamll::bench

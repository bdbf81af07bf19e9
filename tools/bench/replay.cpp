// replay: how fast a stored execution is delivered again as fast as possible
// (streamll replay --max), to a handler that only sums each event's seq,
// beside a plain Store::scan_execution loop over the same events: the floor
// that replay's pacing, cancellation and callback add to.
//
// The workload's events all go to one execution, into a store that is closed
// and reopened once (so its log is replayed into tables, as a later reader
// finds it), then opened as a read-only view, as the CLI reads it. The files
// were just written, so the OS has them in memory: this measures the CPU cost
// of reading and decoding, not the disk. Both sides must see every event
// with the same seq sum, or the benchmark fails.
#include <algorithm>
#include <filesystem>
#include <vector>

#include "bench.hpp"
#include "load.hpp"
#include "streamll/replay.hpp"
#include "streamll/store.hpp"
#include "workload.hpp"

namespace fs = std::filesystem;

namespace streamll::bench {

namespace {

// The goal, absolute: a --max replay of a million events in a second.
constexpr double kGoalEventsPerS = 1e6;

struct Pass {
  uint64_t events = 0;
  uint64_t seq_sum = 0;  // consumed, so that the reads cannot be optimized away
  double seconds = 0;
};

Status scan_pass(const Store& store, const std::string& execution_id, Pass* out) {
  const Stopwatch watch;
  Pass pass;
  auto it = store.scan_execution(execution_id);
  for (; it->valid(); it->next()) {
    ++pass.events;
    pass.seq_sum += it->view().seq;
  }
  pass.seconds = watch.seconds();
  *out = pass;
  return it->status();
}

Status replay_pass(const Store& store, const std::string& execution_id, Pass* out) {
  ReplayOptions options;
  options.as_fast_as_possible = true;
  const Stopwatch watch;
  Pass pass;
  const Status s = replay(store, execution_id, options, [&](const EventView& e) {
    ++pass.events;
    pass.seq_sum += e.seq;
    return Status::ok_status();
  });
  pass.seconds = watch.seconds();
  *out = pass;
  return s;
}

class ReplayBenchmark : public Benchmark {
 public:
  const char* name() const override { return "replay"; }
  const char* description() const override {
    return "Replay one execution of --events events as fast as possible (streamll replay --max) to a\n"
           "no-op handler; compare events/s with a plain scan_execution loop and with the goal of 1M/s";
  }

  void add_options(CLI::App& cmd) override {
    add_workload_options(cmd, &workload_);
    cmd.add_option("--runs", runs_, "Timed runs of each side; the median is reported")
        ->check(CLI::Range(1, 100))
        ->capture_default_str();
  }

  Status run(const ScratchDir& dir, Report* report) override {
    Workload one_execution = workload_;
    one_execution.events_per_execution = workload_.events;
    one_execution.concurrent_executions = 1;
    const std::string path = (fs::path(dir.path()) / "store").string();
    std::string execution_id;
    {
      const Stopwatch loading;
      const std::vector<Event> events = make_events(one_execution);
      execution_id = events.front().execution_id;
      if (Status s = write_store(events, kBatch, path); !s.ok()) return s;
      if (Status s = settle_store(path); !s.ok()) return s;
      progress("replay: stored {} events of one execution in {:.1f} s; in {}",
               format_number(static_cast<double>(events.size())), loading.seconds(), dir.path());
    }  // the events are freed before anything is timed

    std::unique_ptr<Store> store;
    StoreOptions view;
    view.mode = StoreOptions::Mode::kReadOnlyLive;
    if (Status s = Store::open(path, view, &store); !s.ok()) return s;

    // A warm-up pass, untimed, then the two sides in turn, so that both meet
    // the same cache and the same background noise.
    Pass warm_up;
    if (Status s = scan_pass(*store, execution_id, &warm_up); !s.ok()) return s;
    std::vector<double> scan_rates, replay_rates;
    for (int run = 0; run < runs_; ++run) {
      Pass scanned, replayed;
      if (Status s = scan_pass(*store, execution_id, &scanned); !s.ok()) return s;
      if (Status s = replay_pass(*store, execution_id, &replayed); !s.ok()) return s;
      if (scanned.events != workload_.events || replayed.events != scanned.events ||
          replayed.seq_sum != scanned.seq_sum) {
        return Status::corruption(fmt::format(
            "replay: expected {} events; the scan saw {} (seq sum {}), the replay {} (seq sum {})", workload_.events,
            scanned.events, scanned.seq_sum, replayed.events, replayed.seq_sum));
      }
      scan_rates.push_back(static_cast<double>(scanned.events) / scanned.seconds);
      replay_rates.push_back(static_cast<double>(replayed.events) / replayed.seconds);
    }
    const double scan_rate = median(scan_rates), replay_rate = median(replay_rates);
    progress("replay: {} events/s (goal >= {}); scan_execution alone {} events/s", format_number(replay_rate),
             format_number(kGoalEventsPerS), format_number(scan_rate));

    report->add(Metric{.bench = "replay",
                       .metric = "events_per_s",
                       .value = replay_rate,
                       .unit = "events/s",
                       .baselines = {{"scan_execution", scan_rate}},
                       .targets = {{"scan_execution", 0.8}}}
                    .with_goal(kGoalEventsPerS));
    return Status::ok_status();
  }

 private:
  static constexpr size_t kBatch = 1000;  // events per Store::append, as the ingest benchmark's default

  static double median(std::vector<double> values) {
    std::nth_element(values.begin(), values.begin() + values.size() / 2, values.end());
    return values[values.size() / 2];
  }

  Workload workload_;
  int runs_ = 3;
};

}  // namespace

std::unique_ptr<Benchmark> make_replay_benchmark() { return std::make_unique<ReplayBenchmark>(); }

}  // namespace streamll::bench

// python: the Python package's write path, measured from Python by
// python_bench.py (run with Debian's python3 on the package this build made)
// beside two pure-Python baselines doing the same job in the same run:
// json_file (json.dumps + a buffered file, flushed per 100-event batch) and
// sqlite (an indexed WAL table, 1000 rows per transaction). See the script
// for what each side does.
#include <nlohmann/json.hpp>

#include "bench.hpp"

namespace streamll::bench {

namespace {

class PythonBenchmark : public Benchmark {
 public:
  const char* name() const override { return "python"; }
  const char* description() const override {
    return "From Python: emit_event(StreamllEvent(...)) caller cost (p50/p99, queue never full) and end-to-end\n"
           "durable events/s, beside json.dumps + a file and sqlite3 inserts";
  }
  void add_options(CLI::App& cmd) override {
    cmd.add_option("--events", events_, "Events per pass")->capture_default_str();
    cmd.add_option("--python", python_, "The interpreter (Debian's, which the package was built for)")
        ->capture_default_str();
  }

  Status run(const ScratchDir& dir, Report* report) override {
    progress("python: {} events per pass with {} on {}", events_, python_, STREAMLL_PYTHON_PATH);
    std::string out;
    if (Status s = shell(fmt::format("PYTHONPATH='{}' '{}' '{}' --events {} --dir '{}'", STREAMLL_PYTHON_PATH,
                                     python_, STREAMLL_PYTHON_BENCH, events_, dir.path()),
                         &out);
        !s.ok()) {
      return s;
    }
    const auto r = nlohmann::json::parse(out, nullptr, false);
    if (r.is_discarded() || !r.is_object()) return Status::io_error("python_bench.py printed no JSON: " + out);
    const auto v = [&](const char* key) { return r.value(key, 0.0); };
    report->add(Metric{.bench = "python", .metric = "emit_p50_ns", .value = v("emit_p50_ns"), .unit = "ns",
                       .baselines = {{"json_file", v("json_file_p50_ns")}, {"sqlite", v("sqlite_p50_ns")}},
                       .higher_is_better = false, .targets = {{"json_file", 0.5}}});
    report->add(Metric{.bench = "python", .metric = "emit_p99_ns", .value = v("emit_p99_ns"), .unit = "ns",
                       .baselines = {{"json_file", v("json_file_p99_ns")}, {"sqlite", v("sqlite_p99_ns")}},
                       .higher_is_better = false, .targets = {}});
    report->add(Metric{.bench = "python", .metric = "end_to_end_events_per_s",
                       .value = v("end_to_end_events_per_s"), .unit = "events/s",
                       .baselines = {{"json_file", v("json_file_events_per_s")}, {"sqlite", v("sqlite_events_per_s")}},
                       .targets = {{"json_file", 1.0}, {"sqlite", 3.0}}});
    return Status::ok_status();
  }

 private:
  int events_ = 100'000;
  std::string python_ = "/usr/bin/python3";
};

}  // namespace

std::unique_ptr<Benchmark> make_python_benchmark() { return std::make_unique<PythonBenchmark>(); }

}  // namespace streamll::bench

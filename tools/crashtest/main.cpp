// streamll-crashtest: crash consistency in the manner of RocksDB's
// db_crashtest. Each trial starts a child that emits through the runtime at
// full speed from several threads, acknowledging progress after each flush()
// that returned true, and kills it with SIGKILL at a random moment. The
// parent then reopens the store (no repair) and checks:
//   - the store opens, and verify() finds nothing wrong: checksums, every
//     record, the indexes, and the execution and type summaries against a
//     recount;
//   - every event acknowledged before the kill is there, exactly once;
//   - what each thread stored is a gap-free prefix of what it emitted, in
//     order (a crash loses a tail, never a middle).
// Trials share one store, so each also reopens a store that earlier kills
// left behind.
//
//   streamll-crashtest [--trials 50] [--threads 4] [--max-delay-ms 800] [--seed S] [--dir D] [--sync]
//   streamll-crashtest --mode import|prune|backup [--trials 50] [--seed S] [--dir D]   (lifecycle.hpp)
//   streamll-crashtest child STORE TRIAL THREADS ACKFILE [--sync]   (what each trial runs)
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "lifecycle.hpp"
#include "spawn.hpp"
#include "streamll/store.hpp"
#include "streamll/streamll.hpp"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

std::string execution_of(int trial, int thread) { return fmt::format("trial-{}-thread-{}", trial, thread); }
std::string event_id_of(int trial, int thread, uint64_t i) { return fmt::format("{}.{}.{}", trial, thread, i); }

// ---- the child ----------------------------------------------------------

// Emits until killed; after every flush() that returned true, appends
// "THREAD COUNT" to the ack file: events 0..COUNT-1 of THREAD are durable.
int run_child(const std::string& store, int trial, int threads, const std::string& ack_path, bool sync) {
  const int ack_fd = ::open(ack_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (ack_fd < 0) {
    fmt::print(stderr, "crashtest child: cannot open {}\n", ack_path);
    return 2;
  }
  streamll::RuntimeOptions options;
  options.store_path = store;
  options.sync = sync;
  options.buffer_size = 4096;
  options.record_stats = false;
  if (streamll::Status s = streamll::init(options); !s.ok()) {
    fmt::print(stderr, "crashtest child: {}\n", s.to_string());
    return 2;
  }
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([=] {
      streamll::ExecutionScope scope(execution_of(trial, t));
      std::mt19937_64 rng(static_cast<uint64_t>(trial) * 1000 + static_cast<uint64_t>(t));
      uint64_t next_flush = 1 + rng() % 2000;
      for (uint64_t i = 0; i < 50'000'000; ++i) {
        streamll::Event e;
        e.event_id = event_id_of(trial, t, i);
        // Every 97th is an error, so the summaries' error counts are checked too.
        e.event_type = i % 97 == 96 ? "crash.step.error" : "crash.step";
        e.module_name = "CrashTest";
        e.data = {{"i", i}, {"thread", t}, {"pad", std::string(i % 200, 'x')}};
        streamll::emit_event(std::move(e));
        if (i + 1 == next_flush) {
          if (streamll::flush()) {
            const std::string line = fmt::format("{} {}\n", t, i + 1);
            (void)!::write(ack_fd, line.data(), line.size());
          }
          next_flush += 1 + rng() % 2000;
        }
      }
    });
  }
  for (auto& w : workers) w.join();
  return 0;
}

// ---- the parent ---------------------------------------------------------

struct Options {
  int trials = 50;
  int threads = 4;
  int max_delay_ms = 800;
  uint64_t seed = 0;
  std::string dir;
  bool sync = false;
  std::string mode = "emit";
};

// The highest acknowledged count per thread.
std::map<int, uint64_t> read_acks(const std::string& path) {
  std::map<int, uint64_t> acked;
  std::ifstream in(path);
  int thread = 0;
  uint64_t count = 0;
  while (in >> thread >> count) acked[thread] = std::max(acked[thread], count);
  return acked;
}

struct TrialResult {
  uint64_t acked = 0;
  uint64_t found = 0;
  std::vector<std::string> problems;
};

// Checks one thread's events: ids trial.thread.0, .1, ... in order, no gap,
// at least `acked` of them.
void check_thread(const streamll::Store& store, int trial, int thread, uint64_t acked, TrialResult* out) {
  uint64_t expected = 0;
  auto it = store.scan_execution(execution_of(trial, thread));
  for (; it->valid(); it->next()) {
    const std::string want = event_id_of(trial, thread, expected);
    if (it->view().event_id != want) {
      out->problems.push_back(fmt::format("thread {}: event {} is {:?}, expected {:?} (a gap or reordering)",
                                          thread, expected, it->view().event_id, want));
      return;
    }
    ++expected;
  }
  if (!it->status().ok()) out->problems.push_back(fmt::format("thread {}: {}", thread, it->status().to_string()));
  if (expected < acked) {
    out->problems.push_back(
        fmt::format("thread {}: {} events acknowledged by flush(), only {} stored", thread, acked, expected));
  }
  out->found += expected;
}

TrialResult run_trial(const Options& o, const std::string& self, const std::string& store_path, int trial,
                      std::mt19937_64* rng) {
  TrialResult result;
  const std::string ack_path = fmt::format("{}/acks-{}.txt", o.dir, trial);
  std::vector<std::string> args = {"child", store_path, std::to_string(trial), std::to_string(o.threads), ack_path};
  if (o.sync) args.push_back("--sync");
  const pid_t pid = streamll::crashtest::spawn_child(self, args);
  if (pid < 0) {
    result.problems.push_back("cannot start the child");
    return result;
  }
  // Mostly mid-stream, sometimes early (while the child opens and recovers the store).
  const bool early = (*rng)() % 8 == 0;
  const int delay_ms = early ? static_cast<int>((*rng)() % 30)
                             : static_cast<int>(30 + (*rng)() % std::max(1, o.max_delay_ms - 30));
  if (!early) {
    // Mid-stream counts from the child's first acknowledged flush, so that a
    // slow start (a sanitizer build, a loaded machine) is not killed before
    // it stored anything; at most 60 s.
    std::error_code ec;
    for (int waited = 0; waited < 60'000 && (!fs::exists(ack_path, ec) || fs::file_size(ack_path, ec) == 0); waited += 5) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (!WIFSIGNALED(status)) {
    result.problems.push_back(fmt::format("the child ended by itself before the kill (status {})", status));
  }

  const auto acked = read_acks(ack_path);
  for (const auto& [thread, count] : acked) result.acked += count;
  std::unique_ptr<streamll::Store> store;
  streamll::StoreOptions options;
  if (streamll::Status s = streamll::Store::open(store_path, options, &store); !s.ok()) {
    result.problems.push_back("reopen: " + s.to_string());
    fmt::print("trial {:>3}: killed after {:>3} ms; FAILED\n    {}\n", trial, delay_ms, result.problems.back());
    std::fflush(stdout);
    return result;
  }
  streamll::VerifyReport report;
  if (streamll::Status s = store->verify(&report); !s.ok()) {
    for (const auto& p : report.problems) result.problems.push_back("verify: " + p);
    if (report.problems.empty()) result.problems.push_back("verify: " + s.to_string());
  }
  for (int t = 0; t < o.threads; ++t) {
    const auto a = acked.find(t);
    check_thread(*store, trial, t, a == acked.end() ? 0 : a->second, &result);
  }
  fmt::print("trial {:>3}: killed after {:>3} ms; acknowledged {:>7}, stored {:>7}; store {} events: {}\n", trial,
             delay_ms, result.acked, result.found, report.events,
             result.problems.empty() ? "ok" : "FAILED");
  for (const auto& p : result.problems) fmt::print("    {}\n", p);
  std::fflush(stdout);
  return result;
}

int run_parent(Options o) {
  const std::string self = fs::read_symlink("/proc/self/exe").string();
  bool made_dir = false;
  if (o.dir.empty()) {
    char tmpl[] = "/tmp/streamll-crashtest-XXXXXX";
    if (mkdtemp(tmpl) == nullptr) {
      fmt::print(stderr, "streamll-crashtest: cannot create a temporary directory\n");
      return 2;
    }
    o.dir = tmpl;
    made_dir = true;
  }
  fs::create_directories(o.dir);
  if (o.seed == 0) o.seed = std::random_device{}();
  if (o.mode != "emit") {
    const int failed = streamll::crashtest::run_lifecycle(self, {o.mode, o.trials, o.seed, o.dir});
    if (made_dir && failed == 0) fs::remove_all(o.dir);
    if (failed != 0) fmt::print("the stores are kept in {} (seed {})\n", o.dir, o.seed);
    return failed == 0 ? 0 : 1;
  }
  const std::string store_path = o.dir + "/store";
  fmt::print("streamll-crashtest: {} trials, {} threads, seed {}, store {}{}\n", o.trials, o.threads, o.seed,
             store_path, o.sync ? ", sync" : "");
  std::mt19937_64 rng(o.seed);
  int failed = 0;
  uint64_t acked = 0, found = 0;
  for (int trial = 0; trial < o.trials; ++trial) {
    const TrialResult r = run_trial(o, self, store_path, trial, &rng);
    failed += r.problems.empty() ? 0 : 1;
    acked += r.acked;
    found += r.found;
  }
  fmt::print("crashtest: {} trials, {} failed; {} events acknowledged, {} stored, none lost\n", o.trials, failed,
             acked, found);
  if (made_dir && failed == 0) fs::remove_all(o.dir);
  if (failed != 0) fmt::print("the store is kept in {} (seed {})\n", o.dir, o.seed);
  return failed == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 4 && std::string(argv[1]) == "prune-child") {
    return streamll::crashtest::run_prune_child(argv[2], std::strtoull(argv[3], nullptr, 10));
  }
  if (argc == 4 && std::string(argv[1]) == "import-child") return streamll::crashtest::run_import_child(argv[2], argv[3]);
  if (argc == 4 && std::string(argv[1]) == "backup-child") return streamll::crashtest::run_backup_child(argv[2], argv[3]);
  if (argc >= 6 && std::string(argv[1]) == "child") {
    const bool sync = argc >= 7 && std::string(argv[6]) == "--sync";
    return run_child(argv[2], std::atoi(argv[3]), std::atoi(argv[4]), argv[5], sync);
  }
  CLI::App app{"streamll-crashtest: kills an emitting process at random moments and checks that the store\n"
               "reopens intact, holding every event acknowledged by flush() exactly once."};
  app.name("streamll-crashtest");
  Options o;
  app.add_option("--trials", o.trials, "Kills to try")->check(CLI::PositiveNumber)->capture_default_str();
  app.add_option("--threads", o.threads, "Emitting threads in the child")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  app.add_option("--max-delay-ms", o.max_delay_ms, "Longest run before a kill")
      ->check(CLI::Range(31, 600'000))
      ->capture_default_str();
  app.add_option("--seed", o.seed, "Seed of the kill times (default: random; printed to reproduce a run)");
  app.add_option("--dir", o.dir, "Working directory (default: a temporary one, removed when all trials pass)");
  app.add_flag("--sync", o.sync, "Run the child with RuntimeOptions::sync (fsync per batch)");
  app.add_option("--mode", o.mode,
                 "emit: kill an emitting process; import: kill an import of 20,000 lines (none or all must be\n"
                 "stored); prune: kill a prune of 150 of 200 executions (each must be whole\n"
                 "or gone); backup: kill a backup (the copy must be absent or whole and verified)")
      ->check(CLI::IsMember({"emit", "import", "prune", "backup"}))
      ->capture_default_str();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  return run_parent(o);
}

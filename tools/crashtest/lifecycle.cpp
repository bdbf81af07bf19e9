#include "lifecycle.hpp"

#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <thread>

#include <fmt/format.h>

#include "spawn.hpp"
#include "streamll/jsonl.hpp"
#include "streamll/store.hpp"

namespace streamll::crashtest {

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr int kExecutions = 200;
constexpr int kPerExecution = 100;
constexpr uint64_t kKeep = 50;

// exec-0000 .. exec-0199, 100 events each, appended interleaved so that
// executions share blocks; exec-i's events are the i-th oldest.
Status build_source(const std::string& path) {
  std::unique_ptr<Store> store;
  if (Status s = Store::open(path, StoreOptions{}, &store); !s.ok()) return s;
  std::vector<Event> batch;
  for (int k = 0; k < kPerExecution; ++k) {
    for (int i = 0; i < kExecutions; ++i) {
      Event e;
      e.event_id = fmt::format("e{}.{}", i, k);
      e.execution_id = fmt::format("exec-{:04}", i);
      e.event_type = k % 10 == 9 ? "step.error" : fmt::format("step.{}", i % 7);
      e.module_name = "CrashTest";
      e.timestamp = 1'700'000'000'000'000'000 + static_cast<int64_t>(i) * 1'000'000'000 + k;
      e.data = {{"k", k}, {fmt::format("key{}", i % 5), i}, {"pad", std::string(static_cast<size_t>(k * 3), 'x')}};
      batch.push_back(std::move(e));
    }
    if (Status s = store->append(batch); !s.ok()) return s;
    batch.clear();
  }
  return Status::ok_status();
}

// Each execution whole (all kPerExecution events and its summary) or absent.
void check_whole_or_nothing(const Store& store, int* kept, std::vector<std::string>* problems) {
  std::map<std::string, int> counts;
  auto it = store.scan_all();
  for (; it->valid(); it->next()) ++counts[std::string(it->view().execution_id)];
  if (!it->status().ok()) problems->push_back("scan: " + it->status().to_string());
  std::vector<ExecutionSummary> summaries;
  if (Status s = store.list_executions(&summaries); !s.ok()) problems->push_back("executions: " + s.to_string());
  *kept = static_cast<int>(counts.size());
  for (const auto& [id, n] : counts) {
    if (n != kPerExecution) problems->push_back(fmt::format("{} holds {} of its {} events", id, n, kPerExecution));
  }
  if (summaries.size() != counts.size()) {
    problems->push_back(fmt::format("{} summaries for {} executions with events", summaries.size(), counts.size()));
  }
  // Oldest first: what is gone is a prefix of exec-0000..
  for (int i = kExecutions - static_cast<int>(kKeep); i < kExecutions; ++i) {
    if (counts.find(fmt::format("exec-{:04}", i)) == counts.end()) {
      problems->push_back(fmt::format("exec-{:04}, one of the newest {}, was pruned", i, kKeep));
      break;
    }
  }
}

void check_verified(const std::string& path, uint64_t* events, std::vector<std::string>* problems,
                    std::unique_ptr<Store>* out) {
  if (Status s = Store::open(path, StoreOptions{}, out); !s.ok()) {
    problems->push_back("reopen: " + s.to_string());
    return;
  }
  VerifyReport report;
  if (Status s = (*out)->verify(&report); !s.ok()) problems->push_back("verify: " + s.to_string());
  *events = report.events;
}

// Runs the child to its end (the duration one whole run takes), or kills
// it after `kill_after`; true when it was killed.
bool run_child(const std::string& self, const std::vector<std::string>& args, std::chrono::microseconds kill_after,
               std::chrono::microseconds* took, std::vector<std::string>* problems) {
  const auto start = Clock::now();
  const pid_t pid = spawn_child(self, args);
  if (pid < 0) {
    problems->push_back("cannot start the child");
    return false;
  }
  int status = 0;
  bool killed = false;
  while (::waitpid(pid, &status, WNOHANG) == 0) {
    if (Clock::now() - start >= kill_after) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      killed = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  *took = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start);
  if (!killed && !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
    problems->push_back(fmt::format("the child failed by itself (status {})", status));
  }
  return killed;
}

}  // namespace

int run_prune_child(const std::string& store_path, uint64_t keep_executions) {
  std::unique_ptr<Store> store;
  if (Status s = Store::open(store_path, StoreOptions{}, &store); !s.ok()) {
    fmt::print(stderr, "prune child: {}\n", s.to_string());
    return 2;
  }
  PruneOptions options;
  options.keep_executions = keep_executions;
  if (Status s = store->prune(options); !s.ok()) {
    fmt::print(stderr, "prune child: {}\n", s.to_string());
    return 2;
  }
  return 0;
}

int run_backup_child(const std::string& store_path, const std::string& dest) {
  std::unique_ptr<Store> store;
  StoreOptions options;
  options.mode = StoreOptions::Mode::kReadOnlyLive;
  if (Status s = Store::open(store_path, options, &store); !s.ok()) {
    fmt::print(stderr, "backup child: {}\n", s.to_string());
    return 2;
  }
  if (Status s = store->backup(dest); !s.ok()) {
    fmt::print(stderr, "backup child: {}\n", s.to_string());
    return 2;
  }
  return 0;
}

int run_import_child(const std::string& store_path, const std::string& file) {
  std::unique_ptr<Store> store;
  if (Status s = Store::open(store_path, StoreOptions{}, &store); !s.ok()) {
    fmt::print(stderr, "import child: {}\n", s.to_string());
    return 2;
  }
  std::ifstream in(file);
  ImportReport report;
  if (Status s = import_jsonl(in, store.get(), ImportOptions{}, &report); !s.ok()) {
    fmt::print(stderr, "import child: {}\n", s.to_string());
    return 2;
  }
  return 0;
}

int run_lifecycle(const std::string& self, const LifecycleOptions& o) {
  const std::string source = o.dir + "/source";
  const std::string jsonl = o.dir + "/source.jsonl";
  if (Status s = build_source(source); !s.ok()) {
    fmt::print("crashtest: cannot build the source store: {}\n", s.to_string());
    return o.trials;
  }
  if (o.mode == "import") {
    std::unique_ptr<Store> store;
    std::ofstream out(jsonl);
    size_t lines = 0;
    if (!Store::open(source, StoreOptions{}, &store).ok() || !export_jsonl(*store, EventFilter{}, out, &lines).ok()) {
      fmt::print("crashtest: cannot write {}\n", jsonl);
      return o.trials;
    }
  }
  const std::string work = o.dir + "/store";
  const std::string dest = o.dir + "/copy";
  // prune: a copy of the source; import: an empty store.
  const auto fresh_copy = [&] {
    std::error_code ec;
    fs::remove_all(work, ec);
    if (o.mode == "prune") fs::copy(source, work, fs::copy_options::recursive, ec);
    return !ec;
  };
  const auto args = [&] {
    if (o.mode == "import") return std::vector<std::string>{"import-child", work, jsonl};
    return o.mode == "prune" ? std::vector<std::string>{"prune-child", work, std::to_string(kKeep)}
                             : std::vector<std::string>{"backup-child", source, dest};
  };
  // One whole run, to know how long the operation takes.
  std::vector<std::string> problems;
  std::chrono::microseconds whole{};
  if (!fresh_copy()) return o.trials;
  run_child(self, args(), std::chrono::hours(1), &whole, &problems);
  if (!problems.empty()) {
    fmt::print("crashtest: the uninterrupted {} failed: {}\n", o.mode, problems.front());
    return o.trials;
  }
  std::error_code ec;
  fs::remove_all(dest, ec);
  fmt::print("crashtest {}: one whole run takes {} ms; killing within that, {} trials, seed {}\n", o.mode,
             whole.count() / 1000, o.trials, o.seed);

  std::mt19937_64 rng(o.seed);
  int failed = 0, killed_count = 0, none = 0, all = 0;
  for (int trial = 0; trial < o.trials; ++trial) {
    problems.clear();
    if (o.mode != "backup" && !fresh_copy()) problems.push_back("cannot prepare the store");
    const auto kill_after = std::chrono::microseconds(rng() % static_cast<uint64_t>(whole.count() + 1));
    std::chrono::microseconds took{};
    const bool killed = run_child(self, args(), kill_after, &took, &problems);
    killed_count += killed ? 1 : 0;
    std::string outcome;
    if (o.mode == "prune") {
      std::unique_ptr<Store> store;
      uint64_t events = 0;
      check_verified(work, &events, &problems, &store);
      int kept = 0;
      if (store) check_whole_or_nothing(*store, &kept, &problems);
      outcome = fmt::format("{} executions kept ({} events)", kept, events);
      none += kept == kExecutions ? 1 : 0;
      all += kept == static_cast<int>(kKeep) ? 1 : 0;
    } else if (o.mode == "import") {
      std::unique_ptr<Store> store;
      uint64_t events = 0;
      if (fs::exists(work + "/CURRENT")) check_verified(work, &events, &problems, &store);
      const uint64_t whole_file = static_cast<uint64_t>(kExecutions) * kPerExecution;
      if (events != 0 && events != whole_file) {
        problems.push_back(fmt::format("the import left {} of {} events", events, whole_file));
      }
      outcome = fmt::format("{} events stored", events);
      none += events == 0 ? 1 : 0;
      all += events == whole_file ? 1 : 0;
    } else {
      if (fs::exists(dest)) {
        std::unique_ptr<Store> copy;
        uint64_t events = 0;
        check_verified(dest, &events, &problems, &copy);
        if (events != static_cast<uint64_t>(kExecutions * kPerExecution)) {
          problems.push_back(fmt::format("the copy holds {} of {} events", events, kExecutions * kPerExecution));
        }
        outcome = fmt::format("copy whole ({} events)", events);
        ++all;
        copy.reset();
        fs::remove_all(dest, ec);
      } else {
        outcome = fs::exists(dest + ".partial") ? "no copy (DEST.partial left)" : "no copy";
        ++none;
      }
    }
    failed += problems.empty() ? 0 : 1;
    fmt::print("trial {:>3}: {} after {:>4} ms; {}: {}\n", trial, killed ? "killed" : "finished",
               took.count() / 1000, outcome, problems.empty() ? "ok" : "FAILED");
    for (const auto& p : problems) fmt::print("    {}\n", p);
    std::fflush(stdout);
  }
  if (o.mode == "prune") {
    fmt::print("crashtest prune: {} trials ({} killed), {} failed; {} pruned nothing, {} all {}, {} part, each "
               "execution whole or gone\n",
               o.trials, killed_count, failed, none, all, kExecutions - static_cast<int>(kKeep), o.trials - none - all);
  } else if (o.mode == "import") {
    fmt::print("crashtest import: {} trials ({} killed), {} failed; {} stored none of the file, {} all of it, {} part\n",
               o.trials, killed_count, failed, none, all, o.trials - none - all);
  } else {
    fmt::print("crashtest backup: {} trials ({} killed), {} failed; {} left no copy, {} a whole verified copy\n",
               o.trials, killed_count, failed, none, all);
  }
  return failed;
}

}  // namespace streamll::crashtest

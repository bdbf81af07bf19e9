// Crash consistency: streamll-crashtest kills a process that emits at full
// speed with SIGKILL at random moments; every event acknowledged by flush()
// before a kill must be in the reopened store exactly once, and the store
// must pass verify(). The tool's own checks are the assertions; this test
// runs a few trials of it and checks the store once more itself.
#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "support/open_store.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

using namespace streamll;
using streamll::testing::TempDir;

namespace {

void run_trials(const std::vector<std::string>& extra) {
  TempDir dir;
  std::vector<std::string> argv = {testing::program("STREAMLL_CRASHTEST"), "--trials", "5", "--threads", "3",
                                   "--max-delay-ms", "600", "--dir", dir / "work"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  const auto r = testing::run(argv);
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("crashtest: 5 trials, 0 failed") != std::string::npos);

  auto store = testing::open_store(dir / "work/store");
  VerifyReport report;
  const Status s = store->verify(&report);
  INFO(s.to_string());
  CHECK(s.ok());
  // The kills came mid-stream: the child had stored events, in several runs.
  CHECK(report.events > 0);
  std::vector<ExecutionSummary> executions;
  REQUIRE(store->list_executions(&executions).ok());
  CHECK(executions.size() >= 3);
}

}  // namespace

TEST_CASE("SIGKILL at random moments loses no acknowledged event and leaves a sound store", "[crash][process]") {
  run_trials({"--seed", "20261126"});
}

TEST_CASE("the same with an fsync per batch", "[crash][process]") {
  run_trials({"--seed", "7", "--sync"});
}

TEST_CASE("SIGKILL during prune and backup: each execution whole or gone, the copy whole or absent",
          "[crash][process][prune][backup]") {
  for (const char* mode : {"prune", "backup"}) {
    TempDir dir;
    const auto r = testing::run({testing::program("STREAMLL_CRASHTEST"), "--mode", mode, "--trials", "6", "--seed",
                                 "20261202", "--dir", dir / "work"});
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(r.out.find(fmt::format("crashtest {}: 6 trials", mode)) != std::string::npos);
    CHECK(r.out.find(", 0 failed;") != std::string::npos);
  }
}

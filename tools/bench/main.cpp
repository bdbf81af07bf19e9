// streamll-bench: measures streamll beside the baselines a user would
// otherwise reach for, one subcommand per benchmark, and `all` of them in
// turn (all.hpp). Results go to stdout as a table, or as JSON lines with
// --json; progress goes to stderr.
#include <cstdio>
#include <exception>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "all.hpp"
#include "bench.hpp"
#include "report.hpp"

namespace {

constexpr int kExitOk = 0;
constexpr int kExitUsage = 1;
constexpr int kExitFailed = 2;

struct GlobalOptions {
  bool json = false;
  streamll::bench::RunOptions run{.dir = std::filesystem::temp_directory_path().string()};
};

}  // namespace

int main(int argc, char** argv) {
  using namespace streamll::bench;
  CLI::App app{"streamll-bench: measures streamll beside the baselines it replaces (a JSONL file,\n"
               "an indexed SQLite table), on the same synthetic events in the same run."};
  app.name("streamll-bench");
  app.require_subcommand(1);
  // Global options are accepted after the subcommand too: `ingest --json`.
  app.fallthrough();
  GlobalOptions options;
  app.add_flag("--json", options.json, "Print one JSON object per metric and line instead of a table");
  app.add_option("--dir", options.run.dir,
                 "Where to work: a fresh directory is made inside it and removed at the end")
      ->check(CLI::ExistingDirectory)
      ->capture_default_str();
  app.add_flag("--keep", options.run.keep,
               "Keep the working directory and the files the benchmarks wrote (its path is printed)");

  std::vector<std::unique_ptr<Benchmark>> benchmarks;
  benchmarks.push_back(make_ingest_benchmark());
  benchmarks.push_back(make_emit_benchmark());
  benchmarks.push_back(make_query_benchmark());
  benchmarks.push_back(make_replay_benchmark());
  benchmarks.push_back(make_replicate_benchmark());
  benchmarks.push_back(make_python_benchmark());
  benchmarks.push_back(make_serve_benchmark());
  for (const auto& bench : benchmarks) {
    bench->add_options(*app.add_subcommand(bench->name(), bench->description()));
  }
  AllOptions all_options;
  CLI::App* all = app.add_subcommand("all",
                                     "Run every benchmark above in turn, each with its defaults, going on past any\n"
                                     "that fails; print one markdown table of them all and write the JSON lines to --out");
  add_all_options(*all, &all_options);

  int exit_code = kExitOk;
  Report report;
  try {
    app.parse(argc, argv);
    if (app.got_subcommand(all)) return run_all(benchmarks, all_options, options.run, options.json) ? kExitOk : kExitFailed;
    for (const auto& bench : benchmarks) {
      if (!app.got_subcommand(bench->name())) continue;
      if (const streamll::Status s = run_benchmark(*bench, options.run, &report); !s.ok()) {
        fmt::print(stderr, "streamll-bench: {}: {}\n", bench->name(), s.to_string());
        exit_code = kExitFailed;
      }
    }
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? kExitOk : kExitUsage;
  } catch (const std::exception& e) {
    fmt::print(stderr, "streamll-bench: internal error: {}\n", e.what());
    return kExitFailed;
  }
  if (options.json) {
    report.print_json(stdout);
  } else {
    report.print_table(stdout);
  }
  return exit_code;
}

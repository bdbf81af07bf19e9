// streamll-bench all: every benchmark in turn, then one report of them all,
// for the README and for tracking numbers over time.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "bench.hpp"

namespace streamll::bench {

struct AllOptions {
  size_t events = 0;  // passed to each benchmark's own --events; 0: their defaults
  std::string out = "streamll-bench.jsonl";
};

// Adds --events and --out to the `all` subcommand.
void add_all_options(CLI::App& cmd, AllOptions* options);

// Runs the benchmarks in turn, each with its default options (and
// options.events, when set), going on past any that fails. Then prints on
// stdout the machine, the date and the report as a markdown table (as JSON
// lines with `json`), and writes the JSON lines to options.out. False when a
// benchmark failed (the table says why) or the file could not be written
// (said on stderr).
bool run_all(const std::vector<std::unique_ptr<Benchmark>>& benchmarks, const AllOptions& options,
             const RunOptions& run, bool json);

}  // namespace streamll::bench

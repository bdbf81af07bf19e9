// The results of a benchmark run: one Metric per measured quantity, each
// beside the baselines measured in the same run, printed as a table for
// people, as JSON lines for scripts that track numbers over time, or as a
// markdown table for the README (`streamll-bench all`).
#pragma once

#include <cstdio>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace streamll::bench {

struct Metric {
  std::string bench;   // the subcommand, e.g. "ingest"
  std::string metric;  // e.g. "events_per_s"
  double value = 0;    // streamll's number
  std::string unit;    // e.g. "events/s"; the baselines share it
  std::map<std::string, double> baselines;  // baseline name -> its value

  // Which way is better, so that a target ratio reads the right way round.
  bool higher_is_better = true;
  // Goals for value / baseline, per baseline name: met when the ratio is at
  // least the target (higher_is_better) or at most it (otherwise). Printed in
  // the table only: a benchmark's numbers depend on the machine, so a missed
  // target is information, not a failure.
  std::map<std::string, double> targets;

  // An absolute goal of the issues (p50 <= 100 ns, >= 1M events/s), in
  // `unit`: a baseline named "goal" of that value with a ratio target of 1,
  // so that every table says whether it is met.
  Metric with_goal(double goal) && {
    baselines["goal"] = goal;
    targets["goal"] = 1.0;
    return std::move(*this);
  }
};

// A benchmark that could not finish, and why.
struct Failure {
  std::string bench;
  std::string error;
};

class Report {
 public:
  void add(Metric metric) { metrics_.push_back(std::move(metric)); }
  // Shown by print_markdown() only: the single-benchmark commands report a
  // failure on stderr and in their exit code instead.
  void add_failure(Failure failure) { failures_.push_back({std::move(failure), metrics_.size()}); }

  // One row per baseline: value, baseline, value/baseline and the target.
  void print_table(std::FILE* out) const;

  // One object a line:
  // {"bench":…,"metric":…,"value":…,"unit":…,"baselines":{name:value,…}}
  void print_json(std::FILE* out) const;

  // A GitHub markdown table, one row per metric and baseline, every cell
  // filled so that rows read alone: the ratio says which way is better, and
  // each failure is a row of its own with its error.
  void print_markdown(std::FILE* out) const;

 private:
  // Each failure with the number of metrics added before it, so that the
  // markdown table shows it where it happened.
  struct PlacedFailure {
    Failure failure;
    size_t after;
  };
  std::vector<Metric> metrics_;
  std::vector<PlacedFailure> failures_;
};

// A number for people: thousands separators from 1000 up ("1,234,567"),
// four significant digits below ("612.3", "0.3456").
std::string format_number(double value);

}  // namespace streamll::bench

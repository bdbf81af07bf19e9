// The results of a benchmark run: one Metric per measured quantity, each
// beside the baselines measured in the same run, printed either as a table
// for people or as JSON lines for scripts that track numbers over time.
#pragma once

#include <cstdio>
#include <map>
#include <string>
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
};

class Report {
 public:
  void add(Metric metric) { metrics_.push_back(std::move(metric)); }

  // One row per baseline: value, baseline, value/baseline and the target.
  void print_table(std::FILE* out) const;

  // One object a line:
  // {"bench":…,"metric":…,"value":…,"unit":…,"baselines":{name:value,…}}
  void print_json(std::FILE* out) const;

 private:
  std::vector<Metric> metrics_;
};

// A number for people: thousands separators from 1000 up ("1,234,567"),
// four significant digits below ("612.3", "0.3456").
std::string format_number(double value);

}  // namespace streamll::bench

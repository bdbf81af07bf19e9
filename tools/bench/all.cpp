#include "all.hpp"

#include <cerrno>
#include <cstring>
#include <ctime>
#include <exception>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "machine.hpp"
#include "report.hpp"

namespace streamll::bench {

void add_all_options(CLI::App& cmd, AllOptions* options) {
  cmd.add_option("--events", options->events,
                 "Passed to every benchmark's --events (emit: events per thread), for a quick run;\n"
                 "by default each benchmark runs with its own default")
      ->check(CLI::PositiveNumber);
  cmd.add_option("--out", options->out, "Where the JSON lines go (the objects --json prints), besides stdout")
      ->capture_default_str();
}

namespace {

// Sets the benchmark's --events through the option its subcommand has, so
// that the option's own checks apply.
Status set_events(Benchmark& bench, size_t events) {
  CLI::App cmd;
  bench.add_options(cmd);
  if (cmd.get_option_no_throw("--events") == nullptr) {
    progress("all: {} has no --events option; it runs with its defaults", bench.name());
    return Status::ok_status();
  }
  try {
    cmd.parse(fmt::format("--events {}", events), false);
  } catch (const CLI::ParseError& e) {
    return Status::invalid_argument(fmt::format("--events {}: {}", events, e.what()));
  }
  return Status::ok_status();
}

// Runs one benchmark; the error that stopped it, or "" when it finished.
std::string run_one(Benchmark& bench, const AllOptions& options, const RunOptions& run, Report* report) {
  try {
    Status s = options.events > 0 ? set_events(bench, options.events) : Status::ok_status();
    if (s.ok()) s = run_benchmark(bench, run, report);
    return s.ok() ? "" : s.to_string();
  } catch (const std::exception& e) {
    return fmt::format("internal error: {}", e.what());
  }
}

// "2025-08-24 12:40 UTC"
std::string utc_now() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char text[32];
  return std::strftime(text, sizeof(text), "%Y-%m-%d %H:%M UTC", &tm) > 0 ? text : "unknown";
}

std::string duration_text(double seconds) {
  if (seconds < 60) return fmt::format("{:.1f} s", seconds);
  const auto whole = static_cast<long>(seconds + 0.5);
  return fmt::format("{} min {} s", whole / 60, whole % 60);
}

// The lines above the table: when, on what, how big, how long.
void print_context(std::FILE* out, const AllOptions& options, const std::string& started, double seconds) {
  fmt::print(out, "- date: {}\n", started);
  for (const MachineFact& fact : describe_machine()) fmt::print(out, "- {}: {}\n", fact.name, fact.value);
  if (options.events > 0) {
    fmt::print(out, "- events: {} (`--events {}`: a quick run; emit: per thread)\n",
               format_number(static_cast<double>(options.events)), options.events);
  } else {
    fmt::print(out, "- events: each benchmark's default\n");
  }
  fmt::print(out, "- duration: {}\n\n", duration_text(seconds));
}

}  // namespace

bool run_all(const std::vector<std::unique_ptr<Benchmark>>& benchmarks, const AllOptions& options,
             const RunOptions& run, bool json) {
  // Created first, so that a path that cannot be written fails now, not after
  // the benchmarks have run.
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(options.out.c_str(), "w"), std::fclose);
  if (!file) {
    progress("all: cannot create {}: {}", options.out, std::strerror(errno));
    return false;
  }
  const std::string started = utc_now();
  const Stopwatch total;
  Report report;
  std::vector<std::string> failed;
  for (size_t i = 0; i < benchmarks.size(); ++i) {
    Benchmark& bench = *benchmarks[i];
    progress("all: {} ({} of {})", bench.name(), i + 1, benchmarks.size());
    const Stopwatch watch;
    const std::string error = run_one(bench, options, run, &report);
    if (error.empty()) {
      progress("all: {} done in {}", bench.name(), duration_text(watch.seconds()));
    } else {
      progress("all: {} failed after {}: {}", bench.name(), duration_text(watch.seconds()), error);
      report.add_failure({bench.name(), error});
      failed.push_back(bench.name());
    }
  }

  if (json) {
    report.print_json(stdout);
  } else {
    print_context(stdout, options, started, total.seconds());
    report.print_markdown(stdout);
  }
  if (!failed.empty()) {
    progress("all: {} of {} benchmarks failed: {}", failed.size(), benchmarks.size(), fmt::join(failed, ", "));
  }
  report.print_json(file.get());
  const bool write_failed = std::ferror(file.get()) != 0;
  if (std::fclose(file.release()) != 0 || write_failed) {
    progress("all: cannot write {}", options.out);
    return false;
  }
  progress("all: JSON lines written to {}", options.out);
  return failed.empty();
}

}  // namespace streamll::bench

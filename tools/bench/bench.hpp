// What every benchmark shares: the interface main() drives, progress lines,
// a stopwatch, scratch directories and their size on disk.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <utility>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "report.hpp"
#include "streamll/status.hpp"

namespace streamll::bench {

// One subcommand of streamll-bench. The object holds its own options, so
// that `all` can run every benchmark with the defaults add_options() set.
class ScratchDir;

class Benchmark {
 public:
  virtual ~Benchmark() = default;
  virtual const char* name() const = 0;
  virtual const char* description() const = 0;
  // Adds this benchmark's options, bound to its members, to its subcommand.
  virtual void add_options(CLI::App& cmd) = 0;
  // Runs in `dir`, an empty directory of its own, and adds the results to
  // *report. Files it no longer needs it removes unless dir.keep().
  virtual Status run(const ScratchDir& dir, Report* report) = 0;
};

// Where benchmarks run: the global --dir and --keep.
struct RunOptions {
  std::string dir;  // the parent of each benchmark's ScratchDir
  bool keep = false;
};

// Runs `bench` in a ScratchDir of its own under options.dir.
Status run_benchmark(Benchmark& bench, const RunOptions& options, Report* report);

std::unique_ptr<Benchmark> make_ingest_benchmark();
std::unique_ptr<Benchmark> make_emit_benchmark();
std::unique_ptr<Benchmark> make_query_benchmark();
std::unique_ptr<Benchmark> make_replay_benchmark();
std::unique_ptr<Benchmark> make_replicate_benchmark();
std::unique_ptr<Benchmark> make_python_benchmark();
std::unique_ptr<Benchmark> make_serve_benchmark();

// Progress and context go to stderr, so that stdout holds only the results
// (and stays parseable with --json).
template <typename... Args>
void progress(fmt::format_string<Args...> format, Args&&... args) {
  fmt::print(stderr, "streamll-bench: {}\n", fmt::format(format, std::forward<Args>(args)...));
}

class Stopwatch {
 public:
  double seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }

 private:
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

// A fresh directory (mkdtemp) under a parent, removed with all it holds when
// the object goes, unless kept for inspection.
class ScratchDir {
 public:
  static Status create(const std::string& parent, bool keep, std::unique_ptr<ScratchDir>* out);
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::string& path() const { return path_; }
  // True when the user wants the files for inspection (--keep).
  bool keep() const { return keep_; }

 private:
  ScratchDir(std::string path, bool keep) : path_(std::move(path)), keep_(keep) {}
  std::string path_;
  bool keep_;
};

// Runs a shell command and returns its standard output; IOError with the
// status and output when it fails.
Status shell(const std::string& command, std::string* out);

// The sum of the sizes of the regular files under `dir`, recursively: what
// the data costs on disk, independent of the file system's block size.
uint64_t directory_bytes(const std::string& dir);

// The bytes this process has handed to write(2)-like calls so far, every
// thread included (/proc/self/io "wchar"): the difference around a run is
// what it wrote, write amplification included, whatever the file system.
uint64_t process_bytes_written();

}  // namespace streamll::bench

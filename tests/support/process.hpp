// Runs other programs from tests: the CLI end to end, a writer in another
// process beside a read-only view.
#pragma once

#include <string>
#include <vector>

namespace streamll::testing {

struct RunResult {
  int exit_code = -1;  // the exit status, or 128 + signal
  std::string out;
  std::string err;
  long peak_rss_kb = 0;  // the child's peak resident memory (getrusage's ru_maxrss)
};

// Runs argv[0] (a path) with `input` on stdin; waits and captures both outputs.
RunResult run(const std::vector<std::string>& argv, const std::string& input = "",
              const std::vector<std::string>& extra_env = {});

// A child process talked to line by line over its stdin and stdout.
class Child {
 public:
  explicit Child(const std::vector<std::string>& argv);
  // Closes stdin and waits; a child still running after 30 s (at once while
  // an exception unwinds: a failed test) gets SIGTERM, then SIGKILL.
  ~Child();
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  void write_line(const std::string& line);
  std::string read_line();  // "" at end of output
  int wait();               // closes stdin, returns the exit code
  void terminate();         // sends SIGTERM
  void kill();              // sends SIGKILL (a crash: no handler, no cleanup)

 private:
  int pid_ = -1;
  int in_fd_ = -1;
  int out_fd_ = -1;
  std::string buffered_;
  int exit_code_ = -1;
};

// The path of a program built beside the tests, from the environment variable
// meson sets (e.g. STREAMLL_CLI); fails the test when it is missing.
std::string program(const char* env_var);

}  // namespace streamll::testing

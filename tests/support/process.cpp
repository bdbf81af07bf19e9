#include "support/process.hpp"

#include <poll.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <exception>
#include <thread>
#include <cerrno>
#include <cstdlib>
#include <stdexcept>
#include <utility>

extern char** environ;

namespace streamll::testing {

namespace {

std::vector<char*> c_argv(const std::vector<std::string>& argv) {
  std::vector<char*> out;
  for (const auto& a : argv) out.push_back(const_cast<char*>(a.c_str()));
  out.push_back(nullptr);
  return out;
}

int spawn(const std::vector<std::string>& argv, const std::vector<std::string>& extra_env,
          int child_in, int child_out, int child_err, const std::vector<int>& close_fds) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, child_in, 0);
  posix_spawn_file_actions_adddup2(&actions, child_out, 1);
  if (child_err >= 0) posix_spawn_file_actions_adddup2(&actions, child_err, 2);
  for (int fd : close_fds) posix_spawn_file_actions_addclose(&actions, fd);
  std::vector<std::string> env_strings;
  for (char** e = environ; *e != nullptr; ++e) env_strings.emplace_back(*e);
  env_strings.insert(env_strings.end(), extra_env.begin(), extra_env.end());
  auto args = c_argv(argv);
  auto envp = c_argv(env_strings);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, argv[0].c_str(), &actions, nullptr, args.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::runtime_error("cannot run " + argv[0]);
  return pid;
}

int exit_code_of(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

// Waits for `pid`; its exit code, and its peak resident memory into
// *peak_rss_kb when given.
int wait_for(int pid, long* peak_rss_kb = nullptr) {
  int status = 0;
  struct rusage usage {};
  while (wait4(pid, &status, 0, &usage) < 0 && errno == EINTR) {
  }
  if (peak_rss_kb != nullptr) *peak_rss_kb = usage.ru_maxrss;
  return exit_code_of(status);
}

// Waits up to `grace` for `pid` to end; its exit code, or -1 if it still runs.
int wait_at_most(int pid, std::chrono::milliseconds grace) {
  const auto deadline = std::chrono::steady_clock::now() + grace;
  for (;;) {
    int status = 0;
    const pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) return exit_code_of(status);
    if (r < 0 && errno != EINTR) return -1;
    if (std::chrono::steady_clock::now() >= deadline) return -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

void write_all(int fd, const std::string& data) {
  size_t off = 0;
  while (off < data.size()) {
    const ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // the child stopped reading; its exit code tells why
    off += static_cast<size_t>(n);
  }
}

}  // namespace

RunResult run(const std::vector<std::string>& argv, const std::string& input,
              const std::vector<std::string>& extra_env) {
  int in[2], out[2], err[2];
  if (pipe(in) != 0 || pipe(out) != 0 || pipe(err) != 0) throw std::runtime_error("pipe");
  const int pid = spawn(argv, extra_env, in[0], out[1], err[1], {in[1], out[0], err[0]});
  close(in[0]);
  close(out[1]);
  close(err[1]);
  // Feed stdin from a writer thread would be simpler; poll keeps it to one.
  RunResult result;
  size_t written = 0;
  int in_fd = in[1];
  if (input.empty()) {
    close(in_fd);
    in_fd = -1;
  }
  bool out_open = true, err_open = true;
  char buf[65536];
  while (out_open || err_open) {
    pollfd fds[3] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}, {in_fd, POLLOUT, 0}};
    if (poll(fds, in_fd >= 0 ? 3 : 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].revents == 0) continue;
      const ssize_t n = read(fds[i].fd, buf, sizeof(buf));
      if (n > 0) {
        (i == 0 ? result.out : result.err).append(buf, static_cast<size_t>(n));
      } else {
        (i == 0 ? out_open : err_open) = false;
      }
    }
    if (in_fd >= 0 && fds[2].revents != 0) {
      const ssize_t n = write(in_fd, input.data() + written, std::min<size_t>(input.size() - written, 65536));
      if (n > 0) written += static_cast<size_t>(n);
      if (n <= 0 || written == input.size()) {
        close(in_fd);
        in_fd = -1;
      }
    }
  }
  if (in_fd >= 0) close(in_fd);
  close(out[0]);
  close(err[0]);
  result.exit_code = wait_for(pid, &result.peak_rss_kb);
  return result;
}

Child::Child(const std::vector<std::string>& argv) {
  int in[2], out[2];
  if (pipe(in) != 0 || pipe(out) != 0) throw std::runtime_error("pipe");
  pid_ = spawn(argv, {}, in[0], out[1], -1, {in[1], out[0]});
  close(in[0]);
  close(out[1]);
  in_fd_ = in[1];
  out_fd_ = out[0];
}

// A test that fails (an exception is unwinding) has not told the child to
// stop, and one that forgot would wait forever: the child gets SIGTERM at once
// when unwinding, or after a grace period to finish on its own, then SIGKILL,
// so no failing test can hang its suite.
Child::~Child() {
  if (pid_ < 0) return;
  if (in_fd_ >= 0) close(in_fd_);
  in_fd_ = -1;
  const bool unwinding = std::uncaught_exceptions() > 0;
  int code = wait_at_most(pid_, unwinding ? std::chrono::milliseconds(0) : std::chrono::seconds(30));
  if (code < 0) {
    ::kill(pid_, SIGTERM);
    code = wait_at_most(pid_, std::chrono::seconds(5));
  }
  if (code < 0) {
    ::kill(pid_, SIGKILL);
    wait_for(pid_);
  }
  if (out_fd_ >= 0) close(out_fd_);
  out_fd_ = pid_ = -1;
}

void Child::write_line(const std::string& line) { write_all(in_fd_, line + "\n"); }

std::string Child::read_line() {
  for (;;) {
    if (const auto nl = buffered_.find('\n'); nl != std::string::npos) {
      std::string line = buffered_.substr(0, nl);
      buffered_.erase(0, nl + 1);
      return line;
    }
    char buf[4096];
    const ssize_t n = read(out_fd_, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return std::exchange(buffered_, {});
    buffered_.append(buf, static_cast<size_t>(n));
  }
}

int Child::wait() {
  if (pid_ < 0) return exit_code_;
  if (in_fd_ >= 0) close(in_fd_);
  exit_code_ = wait_for(pid_);
  if (out_fd_ >= 0) close(out_fd_);
  in_fd_ = out_fd_ = pid_ = -1;
  return exit_code_;
}

void Child::terminate() {
  if (pid_ > 0) ::kill(pid_, SIGTERM);
}

void Child::kill() {
  if (pid_ > 0) ::kill(pid_, SIGKILL);
}

std::string program(const char* env_var) {
  const char* path = std::getenv(env_var);
  if (path == nullptr) throw std::runtime_error(std::string(env_var) + " is not set (run the tests with meson test)");
  return path;
}

}  // namespace streamll::testing

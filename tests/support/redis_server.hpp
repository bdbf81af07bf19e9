// A real redis-server for tests: started on a free loopback port in a
// temporary directory of its own, with the append-only file fsynced at every
// write (so that a kill -9 loses nothing acknowledged), stopped at the end.
#pragma once

#include <memory>
#include <string>

#include "redis/connection.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace streamll::testing {

class RedisServer {
 public:
  struct Options {
    std::string password;  // requirepass, when not empty
  };

  // Starts the server and waits until it answers (fails the test if it
  // does not within 10 s).
  explicit RedisServer(Options options = {});
  ~RedisServer();
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  int port() const { return port_; }
  // redis://[:password@]127.0.0.1:port
  std::string url() const;
  // A connection for the test's own checks (authenticated).
  std::unique_ptr<redis::Connection> connect() const;

  void kill();   // SIGKILL and wait: a crash
  void stop();   // SIGTERM and wait: a clean shutdown
  void start();  // again, on the same port and data directory

 private:
  Options options_;
  TempDir dir_;
  int port_;
  std::unique_ptr<Child> process_;
};

// A loopback port nobody listens on now.
int free_port();

}  // namespace streamll::testing

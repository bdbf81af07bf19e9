#include "support/redis_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>
#include <thread>

#include <fmt/format.h>

namespace streamll::testing {

int free_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    throw std::runtime_error("free_port: cannot bind a loopback socket");
  }
  close(fd);
  return ntohs(addr.sin_port);
}

RedisServer::RedisServer(Options options) : options_(std::move(options)), port_(free_port()) { start(); }

RedisServer::~RedisServer() { kill(); }

std::string RedisServer::url() const {
  return fmt::format("redis://{}127.0.0.1:{}", options_.password.empty() ? "" : ":" + options_.password + "@", port_);
}

std::unique_ptr<redis::Connection> RedisServer::connect() const {
  redis::RedisUrl url;
  if (!redis::parse_url(this->url(), &url).ok()) throw std::runtime_error("bad test url");
  std::unique_ptr<redis::Connection> conn;
  const Status s = redis::Connection::connect(url, std::chrono::seconds(5), &conn);
  if (!s.ok()) throw std::runtime_error("cannot connect to the test redis-server: " + s.to_string());
  return conn;
}

void RedisServer::start() {
  std::vector<std::string> argv = {"/usr/bin/redis-server", "--port", std::to_string(port_), "--bind", "127.0.0.1",
                                   "--dir", dir_.path().string(), "--logfile", dir_ / "redis.log",
                                   "--appendonly", "yes", "--appendfsync", "always", "--save", "",
                                   "--daemonize", "no"};
  if (!options_.password.empty()) argv.insert(argv.end(), {"--requirepass", options_.password});
  process_ = std::make_unique<Child>(argv);
  redis::RedisUrl url;
  (void)redis::parse_url(this->url(), &url);
  for (int i = 0; i < 1000; ++i) {
    std::unique_ptr<redis::Connection> conn;
    redis::Reply reply;
    if (redis::Connection::connect(url, std::chrono::milliseconds(200), &conn).ok() &&
        conn->command({"PING"}, &reply).ok() && reply.str == "PONG") {
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  throw std::runtime_error(fmt::format("redis-server on port {} did not start (see {})", port_, dir_ / "redis.log"));
}

void RedisServer::kill() {
  if (!process_) return;
  process_->kill();
  process_->wait();
  process_.reset();
}

void RedisServer::stop() {
  if (!process_) return;
  process_->terminate();
  process_->wait();
  process_.reset();
}

}  // namespace streamll::testing

// One connection to a Redis server over hiredis: connect (with AUTH and
// SELECT from the URL), single commands, and pipelines (append many
// commands, then read their replies in order).
//
// Thread-safety: none; one thread uses a connection at a time.
// A failed call leaves the connection broken (ok() false): reconnect.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "redis/url.hpp"
#include "streamll/status.hpp"

struct redisContext;

namespace streamll::redis {

// A reply, copied out of hiredis's reply object.
struct Reply {
  enum class Type { kString, kStatus, kError, kInteger, kNil, kArray };
  Type type = Type::kNil;
  std::string str;  // kString, kStatus, kError
  long long integer = 0;
  std::vector<Reply> elements;  // kArray

  bool is_error() const { return type == Type::kError; }
  bool is_nil() const { return type == Type::kNil; }
};

// Appends `argv` to *out in Redis's wire format (RESP): a command for
// Connection::append_formatted().
void format_command(std::span<const std::string_view> argv, std::string* out);
inline void format_command(std::initializer_list<std::string_view> argv, std::string* out) {
  format_command(std::span<const std::string_view>(argv.begin(), argv.size()), out);
}

class Connection {
 public:
  // Connects to `url` within `timeout`, which also bounds every later read
  // and write (a server that stops answering fails the call, never hangs
  // it). Errors: IoError naming the address ("connection refused", timeout),
  // InvalidArgument for a refused AUTH or SELECT.
  static Status connect(const RedisUrl& url, std::chrono::milliseconds timeout, std::unique_ptr<Connection>* out);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Sends one command and reads its reply. A Redis error reply is returned
  // as a reply of type kError (the status is ok): the caller decides.
  Status command(std::span<const std::string_view> argv, Reply* reply);
  Status command(std::initializer_list<std::string_view> argv, Reply* reply) {
    return command(std::span<const std::string_view>(argv.begin(), argv.size()), reply);
  }

  // Pipelining: append() buffers a command locally (no I/O); read() returns
  // the next reply, in order, and when none has arrived yet first writes
  // everything buffered (hiredis writes only then).
  void append(std::span<const std::string_view> argv);
  void append(std::initializer_list<std::string_view> argv) {
    append(std::span<const std::string_view>(argv.begin(), argv.size()));
  }
  // Writes what is buffered, then `commands`, already in the wire format
  // (format_command()), straight to the socket: a pipeline prepared ahead,
  // sent once it may be, without copying it into the buffer first.
  Status send_formatted(std::string_view commands);
  Status read(Reply* reply);
  // Writes everything buffered now, without reading: commands the server
  // should start on while the caller prepares the next ones.
  Status flush();

  bool ok() const { return broken_.empty(); }
  const RedisUrl& url() const { return url_; }

 private:
  Connection(redisContext* ctx, RedisUrl url) : ctx_(ctx), url_(std::move(url)) {}
  Status io_error(const char* during);

  redisContext* ctx_;
  RedisUrl url_;
  std::string broken_;  // why the connection is unusable, once it is
  std::vector<const char*> argv_;
  std::vector<size_t> argv_len_;
};

}  // namespace streamll::redis

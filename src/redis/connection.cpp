#include "redis/connection.hpp"

#include <hiredis/hiredis.h>

#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <iterator>

#include <fmt/format.h>

namespace streamll::redis {

namespace {

timeval to_timeval(std::chrono::milliseconds ms) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(ms.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((ms.count() % 1000) * 1000);
  return tv;
}

void copy_reply(const redisReply* r, Reply* out) {
  switch (r->type) {
    case REDIS_REPLY_STRING: out->type = Reply::Type::kString; break;
    case REDIS_REPLY_STATUS: out->type = Reply::Type::kStatus; break;
    case REDIS_REPLY_ERROR: out->type = Reply::Type::kError; break;
    case REDIS_REPLY_INTEGER: out->type = Reply::Type::kInteger; break;
    case REDIS_REPLY_ARRAY: out->type = Reply::Type::kArray; break;
    default: out->type = Reply::Type::kNil; break;
  }
  out->str.assign(r->str != nullptr ? r->str : "", r->str != nullptr ? r->len : 0);
  out->integer = r->integer;
  out->elements.resize(r->type == REDIS_REPLY_ARRAY ? r->elements : 0);
  for (size_t i = 0; i < out->elements.size(); ++i) copy_reply(r->element[i], &out->elements[i]);
}

}  // namespace

Status Connection::connect(const RedisUrl& url, std::chrono::milliseconds timeout, std::unique_ptr<Connection>* out) {
  redisContext* ctx = redisConnectWithTimeout(url.host.c_str(), url.port, to_timeval(timeout));
  if (ctx == nullptr) return Status::io_error(fmt::format("{}: cannot allocate a connection", url.display()));
  if (ctx->err != 0) {
    Status s = Status::io_error(fmt::format("{}: cannot connect: {}", url.display(), ctx->errstr));
    redisFree(ctx);
    return s;
  }
  redisSetTimeout(ctx, to_timeval(timeout));
  std::unique_ptr<Connection> conn(new Connection(ctx, url));
  Reply reply;
  if (!url.password.empty()) {
    Status s = url.user.empty() ? conn->command({"AUTH", url.password}, &reply)
                                : conn->command({"AUTH", url.user, url.password}, &reply);
    if (!s.ok()) return s;
    if (reply.is_error()) {
      return Status::permission_denied(fmt::format("{}: authentication failed: {}", url.display(), reply.str));
    }
  }
  if (url.password.empty()) {
    // A server with a password answers every command NOAUTH: say so here,
    // once, rather than in the reply to whatever command comes first.
    if (Status s = conn->command({"PING"}, &reply); !s.ok()) return s;
    if (reply.is_error() && reply.str.starts_with("NOAUTH")) {
      return Status::permission_denied(fmt::format(
          "{}: the server requires a password; give it in the URL: redis://:PASSWORD@{}:{}", url.display(), url.host,
          url.port));
    }
  }
  if (url.db != 0) {
    const std::string db = std::to_string(url.db);
    if (Status s = conn->command({"SELECT", db}, &reply); !s.ok()) return s;
    if (reply.is_error()) {
      return Status::invalid_argument(fmt::format("{}: cannot select database {}: {}", url.display(), db, reply.str));
    }
  }
  *out = std::move(conn);
  return Status::ok_status();
}

Connection::~Connection() { redisFree(ctx_); }

Status Connection::io_error(const char* during) {
  if (broken_.empty()) {
    broken_ = ctx_->err != 0 ? ctx_->errstr : "no reply";
    if (ctx_->err == REDIS_ERR_IO && errno == EAGAIN) broken_ = "timed out";
  }
  return Status::io_error(fmt::format("{}: {}: {}", url_.display(), during, broken_));
}

Status Connection::command(std::span<const std::string_view> argv, Reply* reply) {
  append(argv);
  return read(reply);
}

void Connection::append(std::span<const std::string_view> argv) {
  argv_.clear();
  argv_len_.clear();
  for (std::string_view a : argv) {
    argv_.push_back(a.data());
    argv_len_.push_back(a.size());
  }
  // Only fails on out-of-memory; read() then reports the broken context.
  redisAppendCommandArgv(ctx_, static_cast<int>(argv_.size()), argv_.data(), argv_len_.data());
}

void format_command(std::span<const std::string_view> argv, std::string* out) {
  fmt::format_to(std::back_inserter(*out), "*{}\r\n", argv.size());
  for (std::string_view a : argv) {
    fmt::format_to(std::back_inserter(*out), "${}\r\n", a.size());
    out->append(a);
    out->append("\r\n");
  }
}

Status Connection::send_formatted(std::string_view commands) {
  if (Status s = flush(); !s.ok()) return s;
  while (!commands.empty()) {
    const ssize_t n = ::send(ctx_->fd, commands.data(), commands.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      broken_ = errno == EAGAIN || errno == EWOULDBLOCK ? "timed out" : std::strerror(errno);
      return Status::io_error(fmt::format("{}: lost the connection: {}", url_.display(), broken_));
    }
    commands.remove_prefix(static_cast<size_t>(n));
  }
  return Status::ok_status();
}

Status Connection::read(Reply* reply) {
  if (!broken_.empty()) return Status::io_error(fmt::format("{}: connection lost: {}", url_.display(), broken_));
  void* raw = nullptr;
  if (redisGetReply(ctx_, &raw) != REDIS_OK || raw == nullptr) return io_error("lost the connection");
  copy_reply(static_cast<redisReply*>(raw), reply);
  freeReplyObject(raw);
  return Status::ok_status();
}

Status Connection::flush() {
  if (!broken_.empty()) return Status::io_error(fmt::format("{}: connection lost: {}", url_.display(), broken_));
  for (int done = 0; !done;) {
    if (redisBufferWrite(ctx_, &done) != REDIS_OK) return io_error("lost the connection");
  }
  return Status::ok_status();
}

}  // namespace streamll::redis

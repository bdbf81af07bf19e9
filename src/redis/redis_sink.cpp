#include "streamll/redis_sink.hpp"

#include <vector>

#include <fmt/format.h>

#include "redis/connection.hpp"
#include "redis/target.hpp"
#include "streamll/event_json.hpp"

namespace streamll {

class RedisSink::Impl {
 public:
  explicit Impl(RedisTarget target) : target_(std::move(target)) {
    target_status_ = redis::check_target(target_, &url_);
    maxlen_ = std::to_string(target_.maxlen);
  }

  Status write(std::span<const EventView> batch) {
    if (!target_status_.ok()) return target_status_;
    if (connection_ == nullptr || !connection_->ok()) {
      connection_.reset();
      if (Status s = redis::Connection::connect(url_, target_.timeout, &connection_); !s.ok()) return s;
    }
    for (const EventView& e : batch) {
      json_.clear();
      append_event_json(e, &json_);
      if (target_.maxlen > 0) {
        connection_->append({"XADD", target_.stream, "MAXLEN", "~", maxlen_, "*", target_.field, json_});
      } else {
        connection_->append({"XADD", target_.stream, "*", target_.field, json_});
      }
    }
    Status first_error;
    redis::Reply reply;
    for (size_t i = 0; i < batch.size(); ++i) {  // every reply is read, to keep the connection in step
      if (Status s = connection_->read(&reply); !s.ok()) return s;
      if (reply.is_error() && first_error.ok()) {
        first_error = Status::io_error(
            fmt::format("{}: XADD {}: {} (event {})", url_.display(), target_.stream, reply.str, batch[i].event_id));
      }
    }
    return first_error;
  }

  std::string name() const { return fmt::format("redis:{}/{}", url_.display(), target_.stream); }

 private:
  const RedisTarget target_;
  redis::RedisUrl url_;
  Status target_status_;
  std::string maxlen_;
  std::unique_ptr<redis::Connection> connection_;
  std::string json_;
};

RedisSink::RedisSink(RedisTarget target) : impl_(std::make_unique<Impl>(std::move(target))) {}
RedisSink::~RedisSink() = default;
std::string RedisSink::name() const { return impl_->name(); }
Status RedisSink::write(std::span<const EventView> batch) { return impl_->write(batch); }

}  // namespace streamll

#include "streamll/redis_sink.hpp"

#include <vector>

#include <fmt/format.h>

#include "redis/connection.hpp"
#include "streamll/event_json.hpp"

namespace streamll {

class RedisSink::Impl {
 public:
  explicit Impl(RedisSinkOptions options) : options_(std::move(options)) {
    url_status_ = redis::parse_url(options_.url, &url_);
    maxlen_ = std::to_string(options_.maxlen);
  }

  Status write(std::span<const EventView> batch) {
    if (!url_status_.ok()) return url_status_;
    if (connection_ == nullptr || !connection_->ok()) {
      connection_.reset();
      if (Status s = redis::Connection::connect(url_, options_.timeout, &connection_); !s.ok()) return s;
    }
    for (const EventView& e : batch) {
      json_.clear();
      append_event_json(e, &json_);
      if (options_.maxlen > 0) {
        connection_->append({"XADD", options_.stream, "MAXLEN", "~", maxlen_, "*", options_.field, json_});
      } else {
        connection_->append({"XADD", options_.stream, "*", options_.field, json_});
      }
    }
    Status first_error;
    redis::Reply reply;
    for (size_t i = 0; i < batch.size(); ++i) {  // every reply is read, to keep the connection in step
      if (Status s = connection_->read(&reply); !s.ok()) return s;
      if (reply.is_error() && first_error.ok()) {
        first_error = Status::io_error(
            fmt::format("{}: XADD {}: {} (event {})", url_.display(), options_.stream, reply.str, batch[i].event_id));
      }
    }
    return first_error;
  }

  std::string name() const { return fmt::format("redis:{}/{}", url_.display(), options_.stream); }

 private:
  const RedisSinkOptions options_;
  redis::RedisUrl url_;
  Status url_status_;
  std::string maxlen_;
  std::unique_ptr<redis::Connection> connection_;
  std::string json_;
};

RedisSink::RedisSink(RedisSinkOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
RedisSink::~RedisSink() = default;
std::string RedisSink::name() const { return impl_->name(); }
Status RedisSink::write(std::span<const EventView> batch) { return impl_->write(batch); }

}  // namespace streamll

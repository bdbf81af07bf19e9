#include "redis/target.hpp"

namespace streamll::redis {

Status check_target(const RedisTarget& target, RedisUrl* url) {
  if (Status s = parse_url(target.url, url); !s.ok()) return s;
  if (target.stream.empty()) return Status::invalid_argument("the stream name is empty");
  if (target.field.empty()) return Status::invalid_argument("the field name is empty");
  if (target.timeout.count() <= 0) return Status::invalid_argument("timeout must be positive");
  return Status::ok_status();
}

}  // namespace streamll::redis

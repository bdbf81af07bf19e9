// Checking a RedisTarget (redis_target.hpp) when the part that takes it is
// created: the one place its rules are written.
#pragma once

#include "redis/url.hpp"
#include "streamll/redis_target.hpp"
#include "streamll/status.hpp"

namespace streamll::redis {

// Parses target.url into *url and checks the rest: the stream and the field
// named, the timeout positive. InvalidArgument names what is wrong
// (NotSupported for rediss:// and unix sockets, as parse_url()).
Status check_target(const RedisTarget& target, RedisUrl* url);

}  // namespace streamll::redis

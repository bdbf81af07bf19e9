// Redis addresses in the form upstream streamll and redis-py accept:
//   redis://[[user]:password@]host[:port][/db]
#pragma once

#include <string>
#include <string_view>

#include "streamll/status.hpp"

namespace streamll::redis {

struct RedisUrl {
  std::string host = "127.0.0.1";
  int port = 6379;
  std::string user;      // empty: the default user (AUTH password)
  std::string password;  // empty: no AUTH
  int db = 0;

  // The address with the password masked, for messages and logs.
  std::string display() const;
};

// Parses `url`. InvalidArgument names what is wrong (scheme, port, db);
// rediss:// (TLS) and unix sockets are refused as not supported.
Status parse_url(std::string_view url, RedisUrl* out);

}  // namespace streamll::redis

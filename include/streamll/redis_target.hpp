// RedisTarget: which Redis stream events go to or come from, and how long a
// call to it may take. One struct for every part that talks to Redis: the
// Replicator (replicate_options.hpp), the RedisSink (redis_sink.hpp) and the
// RedisStreamConsumer (consumer.hpp).
//
//   RedisTarget to{.url = "redis://:secret@127.0.0.1:6380/2", .stream = "runs", .maxlen = 100'000};
//
// Thread-safety: a plain value; copy it freely. It does no I/O: it is
// checked (the URL parsed, names non-empty, the timeout positive) once, when
// the part that takes it is created.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

namespace streamll {

struct RedisTarget {
  std::string url = "redis://127.0.0.1:6379";  // redis://[[user]:password@]host[:port][/db]
  std::string stream = "streamll_events";      // the stream's key
  // The entry field that holds the event's JSON. Writers write it; the
  // consumer reads it, else upstream's names ("message", then "event", which
  // older upstream sinks wrote).
  std::string field = "message";
  // Writers: > 0 trims the stream to about this many entries with each add
  // (XADD MAXLEN ~ N); 0 never trims. Unused by the consumer.
  size_t maxlen = 0;
  // Connecting, and waiting for each reply: a server that stops answering
  // fails the call instead of hanging it.
  std::chrono::milliseconds timeout{2000};
};

}  // namespace streamll

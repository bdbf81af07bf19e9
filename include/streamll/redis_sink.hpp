// A sink that adds each event to a Redis stream in upstream streamll's wire
// format (`XADD <stream> [MAXLEN ~ N] * message <event JSON>`), like
// upstream's RedisSink: live delivery to Redis consumers while the
// application runs, or the destination of `streamll replay --to redis://`.
//
// A sink delivers at most once: a batch that fails (Redis down, a timeout)
// is missed and counted by the pipeline's breaker, never retried. For every
// event exactly once, replicate the store instead (replicate.hpp), which
// resumes from a checkpoint.
//
// Thread-safety: as every sink, called from one thread at a time.
#pragma once

#include <memory>
#include <string>

#include "streamll/redis_target.hpp"
#include "streamll/sink.hpp"

namespace streamll {

class RedisSink : public Sink {
 public:
  // Writes `target.field` of each entry ("event" for older upstream
  // consumers); the timeout bounds connecting and each batch's replies.
  // Connects lazily, at the first write; a bad target (URL, empty name)
  // fails that write (and every later one) with a message naming it.
  explicit RedisSink(RedisTarget target);
  ~RedisSink() override;
  std::string name() const override;

  // One pipelined round trip per batch: every XADD is sent, then every reply
  // read. A failure drops the connection; the next write reconnects.
  Status write(std::span<const EventView> batch) override;

  class Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace streamll

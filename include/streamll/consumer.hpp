// RedisStreamConsumer: reads events from a Redis stream and hands them to
// handlers, like upstream streamll's RedisStreamConsumer, with at-least-once
// delivery when it reads through a consumer group.
//
//   std::unique_ptr<RedisStreamConsumer> consumer;
//   Status s = RedisStreamConsumer::create({.redis = {.url = "redis://127.0.0.1:6379"}, .group = "dashboards"}, &consumer);
//   consumer->subscribe([](const Event& e) { show(e); return Status(); }, "rag.");
//   consumer->on_error([](const Status& s) { log(s.message()); });
//   consumer->start();   // one thread; stop() or the destructor ends it
//
// Entries it decodes, in every wire format streamll has written:
//   XADD <stream> * message <event JSON>   (Replicator, upstream's consumer)
//   XADD <stream> * event <event JSON>     (older upstream RedisSink: Python
//                                           isoformat timestamps, +00:00)
//   XADD <stream> * <redis.field> <event JSON>   (a writer told another field)
// The JSON is read by event_from_json() (event_json.hpp): either timestamp
// form, upstream's defaults for missing optional fields.
//
// With a group (XREADGROUP): an entry is acknowledged (XACK) only after
// every subscription it matches has returned ok. If one fails (or throws),
// the entry stays in the group's pending list and is delivered again later:
// when this consumer re-reads its own pending entries (at start, and every
// retry_interval while running), or when another consumer of the group
// claims it (XAUTOCLAIM) after it has been idle for claim_min_idle, as this
// consumer claims the pending entries of a crashed one. A handler therefore
// sees an entry at least once, and again after a failure or a crash before
// the acknowledgement: make handlers idempotent (Store::append is, by
// event_id). Entries that match no subscription are acknowledged.
//
// Without a group (XREAD): the consumer keeps its position in memory only
// (stats().last_id, to pass as start_id next time); an entry whose handler
// fails is reported and passed over: at most once per consumer.
//
// Malformed entries (none of these fields, JSON that does not parse, a
// missing event_type or execution_id, a `data` that is not an object, an
// entry deleted from the stream while pending) are reported to
// on_error() with the stream, the entry id and the field, counted, and
// acknowledged with a group, so that they never come back: a bad entry never
// stops or stalls the consumer. Copy them elsewhere first if they matter
// (XRANGE <stream> <id> <id>).
//
// Failures of Redis (unreachable, timeouts, a key that is not a stream) never
// throw or abort: the running consumer retries with exponential backoff and
// jitter behind a circuit breaker, reconnects (creating the group again if the
// stream was deleted), and goes on where the group, or its position, stands.
// The exception is a refused or missing password (PermissionDenied): no
// retry fixes it, so the running consumer reports it to on_error() and stops.
//
// Thread-safety: create(), start(), stop(), drain() and the destructor are
// for the owning thread. subscribe() and on_error() may be called from any
// thread, also while the consumer runs (a new subscription sees entries read
// after it). Handlers and the error callback are called on one thread (the
// consumer's, or drain()'s caller), one call at a time; they must not call
// stop(). stats() may be called from any thread at any time.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>

#include "streamll/circuit_state.hpp"
#include "streamll/event.hpp"
#include "streamll/redis_target.hpp"
#include "streamll/retry_options.hpp"
#include "streamll/status.hpp"
#include "streamll/type_pattern.hpp"

namespace streamll {

struct ConsumerOptions {
  // The stream read. Entries hold the event in redis.field, or else in
  // upstream's "message" or "event"; maxlen is not used. The timeout bounds
  // connecting, and each reply beyond `block`: a server that stops answering
  // fails the call (then retried), never hangs it.
  RedisTarget redis;
  // The consumer group; "" reads without one (XREAD). The group is created
  // (XGROUP CREATE ... MKSTREAM, starting at start_id) if it does not exist.
  std::string group = "";
  // This consumer's name in the group; "" is "<hostname>-<pid>". Pending
  // entries belong to a name: a consumer restarted under the same name
  // retries its own at once, under another name it claims them after
  // claim_min_idle, except those of a consumer of this host under its
  // default name whose process is gone (killed, crashed): claimed at once,
  // and that consumer removed from the group.
  std::string consumer = "";
  // Where to begin: "0" from the beginning of the stream, "$" only entries
  // added after the consumer first connects, or an entry id ("1726590152137-0",
  // read after it). Without a group, the position to read from; with one,
  // where a newly created group starts (an existing group keeps its own).
  std::string start_id = "0";

  size_t batch_size = 100;  // entries per read (and per XACK, per batch handler call)
  // How long a running consumer waits in Redis for new entries (XREAD BLOCK):
  // bounds how long stop() takes, besides a handler call in progress.
  std::chrono::milliseconds block{200};
  // With a group: pending entries of any consumer idle at least this long
  // are claimed (XAUTOCLAIM) and processed here; 0 never claims.
  std::chrono::milliseconds claim_min_idle{30'000};
  // With a group, while running: how often to retry this consumer's own
  // pending entries and to look for entries to claim.
  std::chrono::milliseconds retry_interval{5'000};

  RetryOptions retry;  // while running: backoff and breaker after a Redis failure
};

struct ConsumerStats {
  uint64_t received = 0;          // entries read: new, own pending read again, and claimed
  uint64_t delivered = 0;         // entries every matching subscription accepted (0 matches: not counted)
  uint64_t handler_failures = 0;  // entries some subscription failed (or threw) on
  uint64_t malformed = 0;         // entries that did not decode (reported, skipped, acked)
  uint64_t acked = 0;             // entries acknowledged (XACK) in the group
  uint64_t claimed = 0;           // entries claimed from other consumers (XAUTOCLAIM)
  uint64_t reconnects = 0;        // connections made after the first one
  uint64_t failures = 0;          // failed Redis calls (connect, read, ack)
  CircuitState breaker = CircuitState::kClosed;
  std::string last_id;            // id of the last entry processed ("" if none)
  std::string last_error;         // of the most recent Redis failure ("" if none)
};

// Receives one decoded event. The event is valid during the call only. A
// non-ok Status (or an exception) leaves the entry unacknowledged.
using EventHandler = std::function<Status(const Event&)>;
// Receives the matching events of one read (at most batch_size), in stream
// order: for handlers that work in batches, such as Store::append. A non-ok
// Status leaves all of them unacknowledged.
using EventBatchHandler = std::function<Status(std::span<const Event>)>;
// As EventBatchHandler, with the events as views of their decoded text: data
// is the entry's JSON object, compact, and no Json tree is built. The views
// are valid during the call only. For Store::append(std::span<const
// EventView>): the way `streamll ingest` stores a stream.
using EventViewBatchHandler = std::function<Status(std::span<const EventView>)>;

class RedisStreamConsumer {
 public:
  // Checks the options (URL, stream, field, timeout, batch_size, timings,
  // retry) without connecting: InvalidArgument or NotSupported names what
  // is wrong.
  static Status create(ConsumerOptions options, std::unique_ptr<RedisStreamConsumer>* out);
  ~RedisStreamConsumer();  // stop()
  RedisStreamConsumer(const RedisStreamConsumer&) = delete;
  RedisStreamConsumer& operator=(const RedisStreamConsumer&) = delete;

  // Adds a subscription: `handler` receives the events whose event_type
  // `event_type` matches (type_pattern.hpp: every event by default, "rag.*"
  // or "rag." a prefix, else one exact type). Subscriptions are called in
  // the order added: per-event handlers entry by entry, then batch handlers
  // once per read. Each entry is decoded once; the Events of the first two
  // kinds are made from that text (a Json tree each) only when a
  // subscription of those kinds exists.
  void subscribe(EventHandler handler, TypePattern event_type = {});
  void subscribe_batch(EventBatchHandler handler, TypePattern event_type = {});
  void subscribe_views(EventViewBatchHandler handler, TypePattern event_type = {});

  // Told of each malformed entry, each entry a handler failed on, and, while
  // start()ed, the first Redis failure of a run of failures (not of every
  // retry; drain() returns its failure instead). The
  // messages name the stream and the entry id ("stream K, entry 1-0, field
  // 'message': field 'event_type': is required").
  void on_error(std::function<void(const Status&)> callback);

  // Starts the consumer on a thread of its own: with a group, first this
  // consumer's pending entries and the entries to claim, then new entries as
  // they arrive, retrying Redis failures until stop(). Returns at once
  // (NotSupported if already running): even an unreachable Redis is retried,
  // and reported through on_error().
  Status start();

  // Stops the thread and waits for it: the handler call in progress finishes
  // and its batch is acknowledged (Redis allowing); what was not read stays
  // in the stream (or the group). Returns within about `block` plus a
  // handler call. Idempotent.
  void stop();

  // Synchronously, on the calling thread: processes every entry in the
  // stream as of the call and returns: with a group, first this consumer's
  // pending entries (once each), then the entries idle for claim_min_idle in
  // other consumers' lists, then new entries up to the stream's last entry
  // at the call. Never blocks waiting for new entries. Returns the first
  // Redis failure, without retrying (a later call goes on from where the
  // group, or the position, stands); handler failures and malformed entries
  // do not fail it. `cancel`, when set and it becomes true, stops it after
  // the current batch (returning ok). `entries`, when set, receives the
  // number of entries read. NotSupported while start()ed. Cost: one round
  // trip per batch_size entries, plus the acknowledgement.
  Status drain(const std::atomic<bool>* cancel = nullptr, size_t* entries = nullptr);

  // A snapshot of the counters.
  ConsumerStats stats() const;

  class Impl;

 private:
  explicit RedisStreamConsumer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace streamll

#include "streamll/consumer.hpp"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <algorithm>
#include <climits>
#include <cstdio>
#include <mutex>
#include <set>
#include <thread>
#include <tuple>
#include <vector>

#include <fmt/format.h>

#include "common/circuit_breaker.hpp"
#include "common/retry.hpp"
#include "redis/target.hpp"
#include "redis/stream_entry.hpp"
#include "redis/connection.hpp"

namespace streamll {

namespace {

using Clock = std::chrono::steady_clock;
using consume::EntryId;
using consume::StreamEntry;

struct Subscription {
  EventHandler handler;  // one of these three is set
  EventBatchHandler batch_handler;
  EventViewBatchHandler view_handler;
  TypePattern event_type;

  bool matches(const EventView& e) const { return event_type.matches(e.event_type); }
  bool wants_events() const { return handler || batch_handler; }
};
using Subscriptions = std::vector<Subscription>;

std::string host_name() {
  char host[HOST_NAME_MAX + 1] = {};
  if (gethostname(host, sizeof host - 1) != 0 || host[0] == '\0') std::snprintf(host, sizeof host, "localhost");
  return host;
}

std::string default_consumer_name() { return fmt::format("{}-{}", host_name(), getpid()); }

// Whether `name` is a default name ("<hostname>-<pid>") of a consumer that
// ran on this host in a process that is gone (killed, crashed).
bool is_gone_local_consumer(std::string_view name) {
  const std::string prefix = host_name() + "-";
  if (!name.starts_with(prefix)) return false;
  const std::string_view digits = name.substr(prefix.size());
  if (digits.empty() || digits.size() > 9 || digits.find_first_not_of("0123456789") != std::string_view::npos) {
    return false;
  }
  const pid_t pid = static_cast<pid_t>(std::stol(std::string(digits)));
  return pid > 0 && pid != getpid() && ::kill(pid, 0) != 0 && errno == ESRCH;
}

// Calls user code, turning an exception into a failed Status: an escaping
// exception would end the consumer's thread, and the process with it.
template <typename F>
Status call_handler(F&& f) {
  try {
    return f();
  } catch (const std::exception& e) {
    return Status::invalid_argument(fmt::format("handler threw: {}", e.what()));
  } catch (...) {
    return Status::invalid_argument("handler threw a non-standard exception");
  }
}

}  // namespace

class RedisStreamConsumer::Impl {
 public:
  Impl(ConsumerOptions options, redis::RedisUrl url)
      : options_(std::move(options)),
        url_(std::move(url)),
        breaker_(options_.retry.failure_threshold, options_.retry.recovery_timeout),
        position_(options_.start_id),
        subscriptions_(std::make_shared<const Subscriptions>()) {
    if (options_.consumer.empty()) options_.consumer = default_consumer_name();
  }

  ~Impl() { stop(); }

  void subscribe(Subscription sub) {
    std::lock_guard<std::mutex> lock(callbacks_mutex_);
    auto next = std::make_shared<Subscriptions>(*subscriptions_);
    next->push_back(std::move(sub));
    subscriptions_ = std::move(next);
  }

  void on_error(std::function<void(const Status&)> callback) {
    std::lock_guard<std::mutex> lock(callbacks_mutex_);
    on_error_ = std::make_shared<const std::function<void(const Status&)>>(std::move(callback));
  }

  Status start() {
    if (thread_.joinable()) return Status::not_supported("the consumer is running already");
    stop_.store(false);
    thread_ = std::thread([this] { run(); });
    return Status::ok_status();
  }

  void stop() {
    stop_.store(true);
    if (thread_.joinable()) thread_.join();
  }

  Status drain(const std::atomic<bool>* cancel, size_t* entries) {
    if (thread_.joinable()) return Status::not_supported("drain() while the consumer runs: stop() it first");
    static const std::atomic<bool> kNever{false};
    const uint64_t before = received();
    Status s = drain_or_fail(cancel != nullptr ? *cancel : kNever);
    if (!s.ok()) record_failure(s);
    if (entries != nullptr) *entries = received() - before;
    return s;
  }

  ConsumerStats stats() const {
    std::lock_guard<std::mutex> lock(stats_mutex_);
    ConsumerStats out = stats_;
    out.breaker = breaker_.state();
    return out;
  }

 private:
  bool grouped() const { return !options_.group.empty(); }

  // The background thread: like drain(), but blocking for new entries and
  // retrying failures until stop().
  void run() {
    const Status s = detail::run_with_retry(
        stop_, breaker_, options_.retry,
        [&] {
          Status stepped = step();
          if (!stepped.ok()) record_failure(stepped);
          return stepped;
        },
        [](const Status& failed) { return failed.is_permission_denied(); },
        [&](const Status& told) {
          if (!told.ok()) report(told);
        });
    if (!s.ok()) report(s);
  }

  // One turn of the running consumer: (re)connect; with a group, when due,
  // retry its own pending entries and claim stale ones; then wait up to
  // `block` for new entries and process them.
  Status step() {
    bool connected = false;
    if (Status s = connect(&connected); !s.ok()) return s;
    if (grouped() && (connected || Clock::now() >= next_retry_)) {
      // After a reconnect, entries read but not acknowledged are pending.
      if (Status s = read_own_pending(stop_); !s.ok()) return s;
      if (Status s = claim_from_gone(stop_); !s.ok()) return s;
      if (Status s = claim_stale(stop_); !s.ok()) return s;
      next_retry_ = Clock::now() + options_.retry_interval;
    }
    size_t n = 0;
    return read_new(options_.block, &n);
  }

  Status drain_or_fail(const std::atomic<bool>& cancel) {
    if (Status s = connect(nullptr); !s.ok()) return s;
    EntryId end;
    if (Status s = last_entry(&end); !s.ok()) return s;
    if (grouped()) {
      if (Status s = read_own_pending(cancel); !s.ok()) return s;
      if (Status s = claim_from_gone(cancel); !s.ok()) return s;
      if (Status s = claim_stale(cancel); !s.ok()) return s;
    }
    while (!cancel.load(std::memory_order_relaxed)) {
      size_t n = 0;
      if (Status s = read_new(std::chrono::milliseconds(0), &n); !s.ok()) return s;
      if (n == 0 || last_processed_ >= end) break;
    }
    return Status::ok_status();
  }

  // Connects when not connected: creates the group, or resolves a "$"
  // position. *connected tells whether it made a new connection.
  Status connect(bool* connected) {
    if (connection_ != nullptr && connection_->ok()) return Status::ok_status();
    connection_.reset();
    std::unique_ptr<redis::Connection> conn;
    if (Status s = redis::Connection::connect(url_, options_.redis.timeout + options_.block, &conn); !s.ok()) return s;
    redis::Reply reply;
    if (grouped()) {
      const Status s = conn->command(
          {"XGROUP", "CREATE", options_.redis.stream, options_.group, options_.start_id, "MKSTREAM"}, &reply);
      if (!s.ok()) return s;
      if (reply.is_error() && !reply.str.starts_with("BUSYGROUP")) return redis_error("XGROUP CREATE", reply);
    }
    connection_ = std::move(conn);
    if (!grouped() && position_ == "$") {
      EntryId last;
      if (Status s = last_entry(&last); !s.ok()) return s;
      position_ = fmt::format("{}-{}", last.ms, last.seq);
    }
    {
      std::lock_guard<std::mutex> lock(stats_mutex_);
      if (ever_connected_) ++stats_.reconnects;
    }
    ever_connected_ = true;
    if (connected != nullptr) *connected = true;
    return Status::ok_status();
  }

  // The id of the stream's last entry (0-0 when it has none).
  Status last_entry(EntryId* out) {
    redis::Reply reply;
    if (Status s = connection_->command({"XREVRANGE", options_.redis.stream, "+", "-", "COUNT", "1"}, &reply); !s.ok()) {
      return s;
    }
    if (reply.is_error()) return redis_error("XREVRANGE", reply);
    std::vector<StreamEntry> last;
    if (Status s = consume::take_range_reply(&reply, &last); !s.ok()) return in_context(s);
    *out = EntryId{};
    if (!last.empty() && !consume::parse_entry_id(last[0].id, out)) {
      return in_context(Status::corruption(fmt::format("the last entry has a bad id '{}'", last[0].id)));
    }
    return Status::ok_status();
  }

  // Reads this consumer's pending entries once each (XREADGROUP ... <id>
  // walks its pending list) and processes them again.
  Status read_own_pending(const std::atomic<bool>& cancel) {
    std::string cursor = "0";
    const std::string count = std::to_string(options_.batch_size);
    while (!cancel.load(std::memory_order_relaxed)) {
      redis::Reply reply;
      const Status s = connection_->command({"XREADGROUP", "GROUP", options_.group, options_.consumer, "COUNT", count,
                                             "STREAMS", options_.redis.stream, cursor},
                                            &reply);
      if (!s.ok()) return s;
      if (reply.is_error()) return redis_error("XREADGROUP", reply);
      std::vector<StreamEntry> entries;
      if (Status t = consume::take_read_reply(&reply, &entries); !t.ok()) return in_context(t);
      if (entries.empty()) break;
      cursor = entries.back().id;
      if (Status t = process(entries); !t.ok()) return t;
    }
    return Status::ok_status();
  }

  // Claims at once the pending entries of the consumers of the group that
  // ran on this host under a default name and whose process is gone (a
  // consumer killed with -9 before it acknowledged), instead of after
  // claim_min_idle: the consumers and their pending counts (XINFO
  // CONSUMERS), each gone one's entries (XPENDING, then XCLAIM with no
  // idle time), processed; then the gone consumer leaves the group (XGROUP
  // DELCONSUMER). Cost: one command when no consumer is gone.
  Status claim_from_gone(const std::atomic<bool>& cancel) {
    redis::Reply info;
    if (Status s = connection_->command({"XINFO", "CONSUMERS", options_.redis.stream, options_.group}, &info); !s.ok()) {
      return s;
    }
    if (info.is_error()) return redis_error("XINFO CONSUMERS", info);
    std::vector<std::string> gone;
    for (const redis::Reply& consumer : info.elements) {
      // A flat list of field names and values: name, pending, idle, ...
      for (size_t i = 0; i + 1 < consumer.elements.size(); i += 2) {
        if (consumer.elements[i].str == "name" && is_gone_local_consumer(consumer.elements[i + 1].str)) {
          gone.push_back(consumer.elements[i + 1].str);
        }
      }
    }
    const std::string count = std::to_string(options_.batch_size);
    for (const std::string& name : gone) {
      bool emptied = false;
      while (!emptied && !cancel.load(std::memory_order_relaxed)) {
        redis::Reply pending;
        const Status s = connection_->command(
            {"XPENDING", options_.redis.stream, options_.group, "-", "+", count, name}, &pending);
        if (!s.ok()) return s;
        if (pending.is_error()) return redis_error("XPENDING", pending);
        emptied = pending.elements.empty();
        if (emptied) break;
        std::vector<std::string_view> argv = {"XCLAIM", options_.redis.stream, options_.group, options_.consumer, "0"};
        std::set<std::string_view> asked;
        for (const redis::Reply& p : pending.elements) {
          if (p.elements.empty()) return in_context(Status::corruption("XPENDING gave an entry without an id"));
          argv.push_back(p.elements[0].str);
          asked.insert(p.elements[0].str);
        }
        redis::Reply claimed;
        if (Status t = connection_->command(argv, &claimed); !t.ok()) return t;
        if (claimed.is_error()) return redis_error("XCLAIM", claimed);
        std::vector<StreamEntry> entries;
        if (Status t = consume::take_range_reply(&claimed, &entries); !t.ok()) return in_context(t);
        for (const StreamEntry& e : entries) asked.erase(e.id);
        for (const std::string_view id : asked) {  // Redis dropped them from the pending list
          count_malformed(1);
          report(entry_error(id, Status::invalid_argument("deleted from the stream while pending")));
        }
        {
          std::lock_guard<std::mutex> lock(stats_mutex_);
          stats_.claimed += entries.size();
        }
        if (Status t = process(entries); !t.ok()) return t;
      }
      if (!emptied) break;  // cancelled: what it still holds stays its own
      redis::Reply removed;
      if (Status s = connection_->command({"XGROUP", "DELCONSUMER", options_.redis.stream, options_.group, name}, &removed);
          !s.ok()) {
        return s;
      }
    }
    return Status::ok_status();
  }

  // Claims the entries idle for claim_min_idle in any consumer's pending
  // list (XAUTOCLAIM, one pass over the group's pending entries) and
  // processes them.
  Status claim_stale(const std::atomic<bool>& cancel) {
    if (options_.claim_min_idle.count() <= 0) return Status::ok_status();
    std::string cursor = "0-0";
    const std::string count = std::to_string(options_.batch_size);
    const std::string min_idle = std::to_string(options_.claim_min_idle.count());
    do {
      redis::Reply reply;
      const Status s = connection_->command(
          {"XAUTOCLAIM", options_.redis.stream, options_.group, options_.consumer, min_idle, cursor, "COUNT", count}, &reply);
      if (!s.ok()) return s;
      if (reply.is_error()) return redis_error("XAUTOCLAIM", reply);
      std::vector<StreamEntry> entries;
      std::vector<std::string> deleted;
      if (Status t = consume::take_claim_reply(&reply, &cursor, &entries, &deleted); !t.ok()) return in_context(t);
      for (const std::string& id : deleted) {
        count_malformed(1);
        report(entry_error(id, Status::invalid_argument("deleted from the stream while pending")));
      }
      {
        std::lock_guard<std::mutex> lock(stats_mutex_);
        stats_.claimed += entries.size();
      }
      if (Status t = process(entries); !t.ok()) return t;
    } while (cursor != "0-0" && !cancel.load(std::memory_order_relaxed));
    return Status::ok_status();
  }

  // Reads the next entries (in the group: never delivered to any consumer;
  // without: after the position), waiting up to `block` (0: not at all).
  Status read_new(std::chrono::milliseconds block, size_t* n) {
    const std::string count = std::to_string(options_.batch_size);
    const std::string block_ms = std::to_string(block.count());
    std::vector<std::string_view> argv;
    if (grouped()) argv = {"XREADGROUP", "GROUP", options_.group, options_.consumer};
    else argv = {"XREAD"};
    argv.insert(argv.end(), {"COUNT", count});
    if (block.count() > 0) argv.insert(argv.end(), {"BLOCK", block_ms});
    argv.insert(argv.end(), {"STREAMS", options_.redis.stream, grouped() ? std::string_view(">") : position_});
    redis::Reply reply;
    if (Status s = connection_->command(argv, &reply); !s.ok()) return s;
    if (reply.is_error()) return redis_error(grouped() ? "XREADGROUP" : "XREAD", reply);
    std::vector<StreamEntry> entries;
    if (Status s = consume::take_read_reply(&reply, &entries); !s.ok()) return in_context(s);
    *n = entries.size();
    return process(entries);
  }

  // Decodes a batch, hands it to the subscriptions, and acknowledges (with a
  // group) the entries that are done: accepted, malformed, or unwanted.
  Status process(const std::vector<StreamEntry>& entries) {
    if (entries.empty()) return Status::ok_status();
    std::shared_ptr<const Subscriptions> subscriptions;
    {
      std::lock_guard<std::mutex> lock(callbacks_mutex_);
      subscriptions = subscriptions_;
    }
    views_.clear();
    owners_.clear();
    events_.clear();
    if (decoded_.size() < entries.size()) decoded_.resize(entries.size());
    // Events (a Json tree each) are built only when a subscription takes them.
    const bool wants_events = std::any_of(subscriptions->begin(), subscriptions->end(),
                                          [](const Subscription& sub) { return sub.wants_events(); });
    if (wants_events) events_.resize(entries.size());
    uint64_t malformed = 0;
    std::vector<std::string_view> done;  // ids to acknowledge
    for (const StreamEntry& entry : entries) {
      detail::DecodedEvent& decoded = decoded_[views_.size()];
      Status s = entry.deleted ? Status::invalid_argument("deleted from the stream while pending")
                               : consume::decode_entry(entry, options_.redis.field, &decoded);
      if (s.ok() && wants_events) s = to_event(decoded.view(), &events_[views_.size()]);
      if (!s.ok()) {
        ++malformed;
        report(entry_error(entry.id, s));
        done.push_back(entry.id);
        continue;
      }
      views_.push_back(decoded.view());
      owners_.push_back(&entry);
    }

    // Per event: 0 no subscription matched, 1 accepted so far, 2 failed.
    std::vector<unsigned char> outcome(views_.size(), 0);
    for (const Subscription& sub : *subscriptions) {
      if (sub.handler) {
        for (size_t i = 0; i < views_.size(); ++i) {
          if (!sub.matches(views_[i])) continue;
          const Status s = call_handler([&] { return sub.handler(events_[i]); });
          outcome[i] = std::max<unsigned char>(outcome[i], s.ok() ? 1 : 2);
          if (!s.ok()) {
            report(s.with_context(fmt::format("stream {}, entry {} (event {}): handler failed", options_.redis.stream,
                                              owners_[i]->id, events_[i].event_id)));
          }
        }
        continue;
      }
      dispatch_batch(sub, &outcome);
    }

    uint64_t delivered = 0, failed = 0;
    for (size_t i = 0; i < views_.size(); ++i) {
      if (outcome[i] == 2) {
        ++failed;
        continue;
      }
      if (outcome[i] == 1) ++delivered;
      done.push_back(owners_[i]->id);
    }
    {
      std::lock_guard<std::mutex> lock(stats_mutex_);
      stats_.received += entries.size();
      stats_.malformed += malformed;
      stats_.delivered += delivered;
      stats_.handler_failures += failed;
      stats_.last_id = entries.back().id;
    }
    EntryId last;
    if (consume::parse_entry_id(entries.back().id, &last)) last_processed_ = last;
    if (!grouped()) {
      position_ = entries.back().id;
      return Status::ok_status();
    }
    return acknowledge(done);
  }

  // Calls a batch subscription with the events it matches, in stream order.
  void dispatch_batch(const Subscription& sub, std::vector<unsigned char>* outcome) {
    std::vector<size_t> matching;
    for (size_t i = 0; i < views_.size(); ++i) {
      if (sub.matches(views_[i])) matching.push_back(i);
    }
    if (matching.empty()) return;
    const Status s = call_handler([&] {
      return sub.view_handler ? sub.view_handler(subset(std::span<const EventView>(views_), matching))
                              : sub.batch_handler(subset(std::span<const Event>(events_), matching));
    });
    for (size_t i : matching) (*outcome)[i] = std::max<unsigned char>((*outcome)[i], s.ok() ? 1 : 2);
    if (!s.ok()) {
      report(s.with_context(fmt::format("stream {}, entries {} to {} ({} events): batch handler failed",
                                        options_.redis.stream, owners_[matching.front()]->id,
                                        owners_[matching.back()]->id, matching.size())));
    }
  }

  // The batch a subscription takes: all of `all`, or a copy of the part it
  // matches (kept in *this until the next call).
  template <class T>
  std::span<const T> subset(std::span<const T> all, const std::vector<size_t>& matching) {
    if (matching.size() == all.size()) return all;
    std::vector<T>& copy = std::get<std::vector<T>>(subset_);
    copy.clear();
    for (size_t i : matching) copy.push_back(all[i]);
    return copy;
  }

  Status acknowledge(const std::vector<std::string_view>& ids) {
    if (ids.empty()) return Status::ok_status();
    std::vector<std::string_view> argv = {"XACK", options_.redis.stream, options_.group};
    argv.insert(argv.end(), ids.begin(), ids.end());
    redis::Reply reply;
    if (Status s = connection_->command(argv, &reply); !s.ok()) return s;
    if (reply.is_error()) return redis_error("XACK", reply);
    std::lock_guard<std::mutex> lock(stats_mutex_);
    stats_.acked += static_cast<uint64_t>(reply.integer);
    return Status::ok_status();
  }

  Status redis_error(std::string_view command, const redis::Reply& reply) const {
    return Status::io_error(fmt::format("{}: stream {}: {}: {}", url_.display(), options_.redis.stream, command, reply.str));
  }

  Status in_context(const Status& s) const {
    return s.with_context(fmt::format("{}: stream {}", url_.display(), options_.redis.stream));
  }

  Status entry_error(std::string_view id, const Status& s) const {
    return Status::invalid_argument(fmt::format("stream {}, entry {}, {}", options_.redis.stream, id, s.message()));
  }

  // A failed Redis call: counted, and the connection dropped (the next call
  // reconnects and, with a group, rereads what is pending).
  void record_failure(const Status& s) {
    connection_.reset();
    std::lock_guard<std::mutex> lock(stats_mutex_);
    ++stats_.failures;
    stats_.last_error = s.to_string();
  }

  void count_malformed(uint64_t n) {
    std::lock_guard<std::mutex> lock(stats_mutex_);
    stats_.malformed += n;
  }

  uint64_t received() const {
    std::lock_guard<std::mutex> lock(stats_mutex_);
    return stats_.received;
  }

  void report(const Status& s) {
    std::shared_ptr<const std::function<void(const Status&)>> callback;
    {
      std::lock_guard<std::mutex> lock(callbacks_mutex_);
      callback = on_error_;
    }
    if (callback == nullptr || !*callback) return;
    try {
      (*callback)(s);
    } catch (...) {
      // The error callback is user code too; its failure must not end the consumer.
    }
  }

  ConsumerOptions options_;
  const redis::RedisUrl url_;
  detail::CircuitBreaker breaker_;

  // Owned by the thread that consumes (the consumer's, or drain()'s caller).
  std::unique_ptr<redis::Connection> connection_;
  bool ever_connected_ = false;
  std::string position_;        // without a group: read after this id
  EntryId last_processed_;      // id of the last entry processed
  Clock::time_point next_retry_{};
  // The batch being processed: each entry's decoded text (reused across
  // batches), a view of each, the Events made from them (only when a
  // subscription takes Events), the entry of each, and a subscription's part.
  std::vector<detail::DecodedEvent> decoded_;
  std::vector<EventView> views_;
  std::vector<Event> events_;
  std::vector<const StreamEntry*> owners_;
  std::tuple<std::vector<EventView>, std::vector<Event>> subset_;

  std::mutex callbacks_mutex_;  // guards the two pointers below (copy on write)
  std::shared_ptr<const Subscriptions> subscriptions_;
  std::shared_ptr<const std::function<void(const Status&)>> on_error_;

  std::atomic<bool> stop_{false};
  std::thread thread_;

  mutable std::mutex stats_mutex_;
  ConsumerStats stats_;
};

Status RedisStreamConsumer::create(ConsumerOptions options, std::unique_ptr<RedisStreamConsumer>* out) {
  redis::RedisUrl url;
  if (Status s = redis::check_target(options.redis, &url); !s.ok()) return s;
  if (Status s = detail::check_retry(options.retry); !s.ok()) return s;
  consume::EntryId id;
  if (options.start_id != "$" && !consume::parse_entry_id(options.start_id, &id)) {
    return Status::invalid_argument(
        fmt::format("bad start_id '{}': expected 0, $ or an entry id such as 1726590152137-0", options.start_id));
  }
  if (options.batch_size == 0) return Status::invalid_argument("batch_size must be at least 1");
  if (options.block.count() <= 0) {
    return Status::invalid_argument("block must be positive (Redis reads BLOCK 0 as forever)");
  }
  if (options.claim_min_idle.count() < 0) return Status::invalid_argument("claim_min_idle must not be negative");
  if (options.retry_interval.count() <= 0) return Status::invalid_argument("retry_interval must be positive");
  out->reset(new RedisStreamConsumer(std::make_unique<Impl>(std::move(options), std::move(url))));
  return Status::ok_status();
}

RedisStreamConsumer::RedisStreamConsumer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
RedisStreamConsumer::~RedisStreamConsumer() = default;

void RedisStreamConsumer::subscribe(EventHandler handler, TypePattern event_type) {
  impl_->subscribe({.handler = std::move(handler), .batch_handler = nullptr, .view_handler = nullptr,
                    .event_type = std::move(event_type)});
}

void RedisStreamConsumer::subscribe_batch(EventBatchHandler handler, TypePattern event_type) {
  impl_->subscribe({.handler = nullptr, .batch_handler = std::move(handler), .view_handler = nullptr,
                    .event_type = std::move(event_type)});
}

void RedisStreamConsumer::subscribe_views(EventViewBatchHandler handler, TypePattern event_type) {
  impl_->subscribe({.handler = nullptr, .batch_handler = nullptr, .view_handler = std::move(handler),
                    .event_type = std::move(event_type)});
}

void RedisStreamConsumer::on_error(std::function<void(const Status&)> callback) {
  impl_->on_error(std::move(callback));
}

Status RedisStreamConsumer::start() { return impl_->start(); }
void RedisStreamConsumer::stop() { impl_->stop(); }

Status RedisStreamConsumer::drain(const std::atomic<bool>* cancel, size_t* entries) {
  return impl_->drain(cancel, entries);
}

ConsumerStats RedisStreamConsumer::stats() const { return impl_->stats(); }

}  // namespace streamll

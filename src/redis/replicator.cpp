#include "streamll/replicate.hpp"

#include <charconv>
#include <mutex>
#include <vector>

#include <fmt/format.h>

#include "common/circuit_breaker.hpp"
#include "common/retry.hpp"
#include "redis/target.hpp"
#include "redis/connection.hpp"
#include "streamll/event_json.hpp"
#include "streamll/log_cursor.hpp"

namespace streamll {

namespace {

// A checkpoint as stored in Redis: "SEQ EVENT_ID", the seq and event_id of
// the last event shipped, so that a store which is no longer what was
// shipped from it (restored from an older copy, then written) is noticed;
// older builds stored "SEQ" alone.
bool parse_checkpoint(std::string_view s, uint64_t* seq, std::string_view* event_id) {
  const size_t space = s.find(' ');
  const std::string_view digits = s.substr(0, space);
  *event_id = space == std::string_view::npos ? std::string_view() : s.substr(space + 1);
  const auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), *seq);
  return !digits.empty() && ec == std::errc() && ptr == digits.data() + digits.size();
}

}  // namespace

class Replicator::Impl {
  // A batch read from the store: its commands, and what it expects and sets.
  struct Batch {
    size_t count = 0;
    uint64_t last = 0;     // the seq of its last event
    std::string last_id;   // that event's id
    std::string expected;  // the checkpoint text it is sent against
    std::string next;      // the checkpoint text it sets
    std::string commands;  // its transaction up to the EXEC, in the wire format
  };

 public:
  Impl(Store* store, ReplicateOptions options, redis::RedisUrl url)
      : store_(store),
        options_(std::move(options)),
        url_(std::move(url)),
        checkpoint_key_(fmt::format("streamll:checkpoint:{{{}}}:{}", options_.redis.stream, store->id())),
        breaker_(options_.retry.failure_threshold, options_.retry.recovery_timeout) {}

  // Ships every event with seq <= until. The first failure is returned and
  // drops the connection (the next call reconnects and rereads the
  // checkpoint).
  Status ship_until(uint64_t until, std::unique_ptr<EventIterator> from = nullptr) {
    Status s = ship_until_or_fail(until, std::move(from));
    if (!s.ok()) {
      connection_.reset();  // a transaction left queued is discarded; the checkpoint in Redis says what landed
      std::lock_guard<std::mutex> lock(mutex_);
      ++stats_.failures;
      stats_.last_error = s.to_string();
    }
    return s;
  }

  Status sync() {
    if (Status s = store_->refresh(); !s.ok()) return s;
    return ship_until(store_->last_seq());
  }

  Status run(const std::atomic<bool>& stop, const std::function<void(const Status&)>& on_failure) {
    LogCursor cursor(*store_, checkpoint_);
    return detail::run_with_retry(
        stop, breaker_, options_.retry,
        [&] {
          uint64_t until = 0;
          std::unique_ptr<EventIterator> it;
          Status s = wait_for_events(&cursor, stop, &until, &it);
          if (s.ok() && it->valid()) s = ship_until(until, std::move(it));
          return s;
        },
        [](const Status& s) { return s.is_permission_denied() || s.is_invalid_argument() || s.is_corruption(); },
        [&](const Status& s) {
          if (on_failure) on_failure(s);
        });
  }

  ReplicateStats stats() const {
    std::lock_guard<std::mutex> lock(mutex_);
    ReplicateStats out = stats_;
    out.store_seq = store_->last_seq();
    out.breaker = breaker_.state();
    return out;
  }

 private:
  // Waits (through the cursor, which refreshes a view) for events after the
  // checkpoint, looking every poll_interval; *it is at its end when `stop`
  // came first. *until is the cursor's horizon: everything up to it is in
  // *it (an in-process writer may append more meanwhile: those wait for the
  // next round).
  Status wait_for_events(LogCursor* cursor, const std::atomic<bool>& stop, uint64_t* until,
                         std::unique_ptr<EventIterator>* it) {
    cursor->seek(checkpoint_);
    *it = cursor->next(std::chrono::milliseconds::max(), options_.poll_interval, &stop);
    *until = cursor->horizon();
    return (*it)->status();
  }

  // Ships through `from` (the events after the checkpoint, if given) or a
  // scan of its own, one transaction per batch, sent whole:
  //   WATCH <checkpoint key>, GET it, TYPE <stream>, MULTI,
  //   XADD <stream> [MAXLEN ~ N] * <field> <event JSON> (one per event),
  //   SET <checkpoint key> <its new text>
  // and EXEC once the GET's reply says the checkpoint is the one the batch
  // expects. Redis refuses the EXEC (a nil reply) if the checkpoint changed
  // after the WATCH: so a batch is added, with its checkpoint, only after
  // the events before it, and only once. (connect() makes sure MULTI is
  // allowed; nothing else refuses it.) Plain XADDs in a transaction cost
  // Redis what they cost outside one; a Lua script running the same XADDs
  // cost it 1.25-1.4x. While Redis runs one batch, the next is read from the
  // store and sent, expecting the checkpoint the one before sets; the GET's
  // reply comes back while Redis still queues the rest, so Redis does not
  // wait for the EXEC. When another replicator moved the checkpoint, the
  // connection is dropped (Redis discards what was queued) and shipping goes
  // on from where the checkpoint is, as after a reconnect.
  Status ship_until_or_fail(uint64_t until, std::unique_ptr<EventIterator> from) {
    static constexpr std::string_view kExec = "*1\r\n$4\r\nEXEC\r\n";
    const uint64_t before = checkpoint_;
    if (Status s = connect(); !s.ok()) return s;
    std::unique_ptr<EventIterator> it = checkpoint_ == before ? std::move(from) : nullptr;
    bool exhausted = false;  // the store has nothing more up to `until` after the checkpoint
    while (!exhausted && checkpoint_ < until) {
      if (it == nullptr) it = store_->scan_arrival(checkpoint_);
      Batch batch;
      batch.commands = std::move(spare_commands_);
      if (Status s = read_batch(it.get(), until, checkpoint_text_, &batch); !s.ok()) return s;
      if (batch.count > 0) {
        if (Status s = connection_->send_formatted(batch.commands); !s.ok()) return s;
      }
      bool moved = false;
      while (batch.count > 0) {
        if (Status s = read_head(batch, &moved); !s.ok()) return s;
        if (moved) break;
        unanswered_count_ = batch.count;
        unanswered_next_ = batch.next;
        if (Status s = connection_->send_formatted(kExec); !s.ok()) return s;
        Batch following;
        following.commands = std::move(batch.commands);  // sent: its memory serves the next batch
        if (Status s = read_batch(it.get(), until, batch.next, &following); !s.ok()) return s;
        if (following.count > 0) {
          if (Status s = connection_->send_formatted(following.commands); !s.ok()) return s;
        }
        if (Status s = finish_batch(batch, &moved); !s.ok()) return s;
        if (moved) break;
        batch = std::move(following);
      }
      spare_commands_ = std::move(batch.commands);
      exhausted = !moved;
      if (moved) {
        connection_.reset();  // what it queued is discarded with it
        it.reset();
        if (Status s = connect(); !s.ok()) return s;  // reads where the checkpoint is now
      }
    }
    // Nothing more up to `until` (the view lags the writer, or seqs were
    // skipped): the checkpoint is as far as the store goes.
    if (exhausted && checkpoint_ < until) set_checkpoint(until);
    return Status::ok_status();
  }

  // Connects when not connected, and reads the checkpoint.
  Status connect() {
    if (connection_ != nullptr && connection_->ok()) return Status::ok_status();
    connection_.reset();
    std::unique_ptr<redis::Connection> conn;
    if (Status s = redis::Connection::connect(url_, options_.redis.timeout, &conn); !s.ok()) return s;
    // Reads the checkpoint, and makes sure this user may open a transaction:
    // batches are sent whole behind their MULTI, and a MULTI refused would
    // let their XADDs run outside one. (MULTI and WATCH are refused by
    // nothing else: Redis takes them while loading, on a stale replica and
    // while a script runs.)
    for (std::string_view command : {"WATCH", "GET"}) conn->append({command, checkpoint_key_});
    conn->append({"MULTI"});
    conn->append({"DISCARD"});
    redis::Reply watch, reply, multi, discard;
    for (redis::Reply* r : {&watch, &reply, &multi, &discard}) {
      if (Status s = conn->read(r); !s.ok()) return s;
      if (r->is_error()) return redis_error(r->str);
    }
    const std::string text = reply.is_nil() ? "0" : reply.str;
    if (unanswered_count_ > 0 && text == unanswered_next_) {  // its EXEC ran; the reply was lost
      std::lock_guard<std::mutex> lock(mutex_);
      stats_.shipped += unanswered_count_;
      ++stats_.batches;
    }
    unanswered_count_ = 0;
    if (Status s = take_checkpoint(text); !s.ok()) return s;
    if (Status s = check_store_holds_checkpoint(); !s.ok()) return s;
    connection_ = std::move(conn);
    return Status::ok_status();
  }

  // Sets the checkpoint from its text in Redis.
  Status take_checkpoint(const std::string& text) {
    uint64_t seq = 0;
    std::string_view event_id;
    if (!parse_checkpoint(text, &seq, &event_id)) {
      return Status::corruption(fmt::format("{}: the checkpoint {} holds '{}', not a sequence number [and event_id]",
                                            url_.display(), checkpoint_key_, text));
    }
    checkpoint_text_ = text;
    checkpoint_event_id_ = std::string(event_id);
    set_checkpoint(seq);
    return Status::ok_status();
  }

  // The store must hold the event the checkpoint names, at its seq: a store
  // restored from an older copy has fewer events than were shipped from it,
  // or (written to since) other events at those seqs, and shipping on from
  // the checkpoint would skip its new events for good.
  Status check_store_holds_checkpoint() {
    if (checkpoint_ == 0) return Status::ok_status();
    if (checkpoint_ > store_->last_seq()) {
      if (Status s = store_->refresh(); !s.ok()) return s;
    }
    const auto advice = [&] {
      return fmt::format(
          "Nothing was shipped. If the store was restored from a copy, delete the checkpoint to ship it whole "
          "again (consumers skip event_ids they have): redis-cli DEL '{}'",
          checkpoint_key_);
    };
    if (checkpoint_ > store_->last_seq()) {
      return Status::corruption(fmt::format(
          "{}: the checkpoint {} says events through seq {} were shipped, but this store ends at seq {}: it is "
          "older than what was shipped from it (restored from a copy?), and its events after seq {} would never "
          "be shipped. {}",
          url_.display(), checkpoint_key_, checkpoint_, store_->last_seq(), store_->last_seq(), advice()));
    }
    if (checkpoint_event_id_.empty()) return Status::ok_status();
    auto it = store_->scan_arrival(checkpoint_ - 1);
    if (!it->status().ok()) return it->status();
    // No event at that seq: it was pruned (seqs have no other gaps).
    const bool other = it->valid() && it->view().seq == checkpoint_ && it->view().event_id != checkpoint_event_id_;
    if (other) {
      return Status::corruption(fmt::format(
          "{}: the checkpoint {} says the last event shipped was {:?} at seq {}, but this store holds {} there: it "
          "is not the store those events were shipped from (restored from an older copy and written since?). {}",
          url_.display(), checkpoint_key_, checkpoint_event_id_, checkpoint_,
          fmt::format("{:?}", std::string(it->view().event_id)),
          advice()));
    }
    return Status::ok_status();
  }

  // Reads the next batch from `it` (events with seq <= until), expecting the
  // checkpoint `expected`, into batch->commands: its transaction up to the
  // EXEC, in the wire format (nothing is sent). batch->count is 0 when
  // there is nothing to send.
  Status read_batch(EventIterator* it, uint64_t until, const std::string& expected, Batch* batch) {
    size_t count = 0;
    std::string& out = batch->commands;
    out.clear();
    for (; it->valid() && count < options_.batch_size; it->next()) {
      const EventView& v = it->view();
      if (v.seq > until) break;
      if (count++ == 0) {
        redis::format_command({"WATCH", checkpoint_key_}, &out);
        redis::format_command({"GET", checkpoint_key_}, &out);
        redis::format_command({"TYPE", options_.redis.stream}, &out);
        redis::format_command({"MULTI"}, &out);
      }
      json_.clear();
      append_event_json(v, &json_);
      if (options_.redis.maxlen > 0) {
        redis::format_command(
            {"XADD", options_.redis.stream, "MAXLEN", "~", maxlen_, "*", options_.redis.field, json_}, &out);
      } else {
        redis::format_command({"XADD", options_.redis.stream, "*", options_.redis.field, json_}, &out);
      }
      batch->last = v.seq;
      batch->last_id.assign(v.event_id);
    }
    if (!it->status().ok()) return it->status();
    batch->count = count;
    if (count == 0) return Status::ok_status();
    batch->expected = expected;
    batch->next = fmt::format("{} {}", batch->last, batch->last_id);
    redis::format_command({"SET", checkpoint_key_, batch->next}, &out);
    return Status::ok_status();
  }

  // Reads the replies to a batch's WATCH, GET, TYPE and MULTI: *moved when
  // the checkpoint is not the one the batch expects (another replicator
  // shipped meanwhile); an error when the key is not a stream.
  Status read_head(const Batch& batch, bool* moved) {
    redis::Reply watch, current, type, multi;
    for (redis::Reply* r : {&watch, &current, &type, &multi}) {
      if (Status s = connection_->read(r); !s.ok()) return s;
      if (r->is_error()) return redis_error(r->str);
    }
    const std::string& kind = type.str;
    if (kind != "stream" && kind != "none") {
      return redis_error(fmt::format("WRONGTYPE the key {} holds a {}, not a stream", options_.redis.stream, kind));
    }
    *moved = (current.is_nil() ? std::string("0") : current.str) != batch.expected;
    return Status::ok_status();
  }

  // Reads the replies to a batch's queued commands and its EXEC, and moves
  // the checkpoint after it; *moved when Redis refused the EXEC because the
  // checkpoint changed after the WATCH.
  Status finish_batch(const Batch& batch, bool* moved) {
    redis::Reply reply;
    for (size_t i = 0; i <= batch.count; ++i) {  // QUEUED, or an error that makes EXEC refuse them all
      if (Status s = connection_->read(&reply); !s.ok()) return s;
    }
    if (Status s = connection_->read(&reply); !s.ok()) return s;
    unanswered_count_ = 0;  // answered: counted below, or not at all
    if (reply.is_nil()) {
      *moved = true;
      return Status::ok_status();
    }
    if (reply.is_error()) return redis_error(reply.str);
    if (reply.type != redis::Reply::Type::kArray || reply.elements.size() != batch.count + 1) {
      return Status::io_error(fmt::format("{}: unexpected reply to EXEC", url_.display()));
    }
    for (const redis::Reply& added : reply.elements) {
      // An XADD failed when it ran (say, the key was made something other
      // than a stream between TYPE and EXEC), and the SET after it did not:
      // the checkpoint moved past entries that were not added.
      if (added.is_error()) {
        return Status::corruption(fmt::format(
            "{}: stream {}: an XADD failed inside EXEC: {}; the checkpoint moved past events after '{}' through "
            "'{}', which are not in the stream: to ship them again, redis-cli SET '{}' '{}'",
            url_.display(), options_.redis.stream, added.str, batch.expected, batch.next, checkpoint_key_,
            batch.expected));
      }
    }
    checkpoint_text_ = batch.next;
    checkpoint_event_id_ = batch.last_id;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stats_.shipped += batch.count;
      ++stats_.batches;
    }
    set_checkpoint(batch.last);
    return Status::ok_status();
  }

  // A refused command (an ACL without it) is PermissionDenied: no retry
  // fixes it.
  Status redis_error(std::string_view what) const {
    const std::string message = fmt::format("{}: stream {}: {}", url_.display(), options_.redis.stream, what);
    return what.starts_with("NOPERM") ? Status::permission_denied(message) : Status::io_error(message);
  }

  // Also records it beside the store, so that prune() keeps what is not
  // shipped yet (a mark that cannot be written leaves prune() unaware of
  // this target; shipping goes on).
  // One small file written and renamed per batch shipped.
  void set_checkpoint(uint64_t seq) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      checkpoint_ = seq;
      stats_.checkpoint = seq;
    }
    (void)store_->mark_replicated(fmt::format("{} stream {}", url_.display(), options_.redis.stream), seq);
  }

  Store* store_;
  const ReplicateOptions options_;
  const redis::RedisUrl url_;
  const std::string checkpoint_key_;
  detail::CircuitBreaker breaker_;
  std::unique_ptr<redis::Connection> connection_;
  uint64_t checkpoint_ = 0;  // the last seq in the stream, as last read or shipped
  std::string checkpoint_text_ = "0";  // the checkpoint as Redis holds it
  std::string checkpoint_event_id_;    // the event_id it names ("" in an older build's)

  const std::string maxlen_ = std::to_string(options_.redis.maxlen);
  std::string json_;  // reused by every event
  std::string spare_commands_;  // the last batch's buffer, for the first of the next call
  // The batch whose EXEC was sent and whose reply is not read yet (count 0:
  // none), counted at the next connect if the checkpoint says it landed.
  size_t unanswered_count_ = 0;
  std::string unanswered_next_;

  mutable std::mutex mutex_;  // guards stats_ (and checkpoint_ writes, for stats())
  ReplicateStats stats_;
};

Status Replicator::create(Store* store, ReplicateOptions options, std::unique_ptr<Replicator>* out) {
  redis::RedisUrl url;
  if (Status s = redis::check_target(options.redis, &url); !s.ok()) return s;
  if (options.batch_size == 0) return Status::invalid_argument("batch_size must be at least 1");
  if (options.poll_interval.count() <= 0) return Status::invalid_argument("poll_interval must be positive");
  if (Status s = detail::check_retry(options.retry); !s.ok()) return s;
  out->reset(new Replicator(std::make_unique<Impl>(store, std::move(options), std::move(url))));
  return Status::ok_status();
}

Replicator::Replicator(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Replicator::~Replicator() = default;

Status Replicator::sync() { return impl_->sync(); }

Status Replicator::run(const std::atomic<bool>& stop, std::function<void(const Status&)> on_failure) {
  return impl_->run(stop, on_failure);
}

ReplicateStats Replicator::stats() const { return impl_->stats(); }

}  // namespace streamll

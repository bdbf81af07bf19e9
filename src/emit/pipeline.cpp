#include "emit/pipeline.hpp"

#include <bit>
#include <cstdio>
#include <cstdlib>

#include <fmt/format.h>

#include "common/retry.hpp"

#include "event/event_id.hpp"
#include "event/event_text.hpp"
#include "event/json_parse.hpp"
#include "streamll/context.hpp"
#include "streamll/timestamp.hpp"

namespace streamll::detail {

namespace {

std::string resolve_store_path(const std::string& configured) {
  if (!configured.empty()) return configured;
  const char* env = std::getenv("STREAMLL_DB");
  return env != nullptr && *env != '\0' ? env : "streamll.db";
}

// Upstream merges context pairs first, then the event's own data over them.
void merge_context(Json* data) {
  const Json& context = context_data();
  if (context.empty()) return;
  Json merged = context;
  for (auto& [key, value] : data->items()) merged[key] = std::move(value);
  *data = std::move(merged);
}

}  // namespace

Status Pipeline::start(RuntimeOptions options, std::unique_ptr<Pipeline>* out) {
  if (options.batch_size == 0) return Status::invalid_argument("RuntimeOptions.batch_size must be at least 1");
  if (options.buffer_size == 0) return Status::invalid_argument("RuntimeOptions.buffer_size must be at least 1");
  options.store_path = resolve_store_path(options.store_path);
  StoreOptions store_options;
  store_options.sync = options.sync;
  store_options.retention = options.retention;
  std::unique_ptr<Store> store;
  if (Status s = Store::open(options.store_path, store_options, &store); !s.ok()) return s;
  std::unique_ptr<Replicator> replicator;
  if (options.replicate) {
    if (Status s = Replicator::create(store.get(), *options.replicate, &replicator); !s.ok()) {
      return s.with_context("RuntimeOptions.replicate");
    }
  }
  std::vector<std::shared_ptr<Sink>> sinks = std::move(options.sinks);
  options.sinks.clear();
  out->reset(new Pipeline(std::move(options), std::move(sinks), std::move(store)));
  if (replicator) (*out)->start_replicator(std::move(replicator));
  return Status::ok_status();
}

void Pipeline::start_replicator(std::unique_ptr<Replicator> replicator) {
  replicator_ = std::move(replicator);
  replicator_thread_ = std::thread([this] {
    const Status ended = replicator_->run(replicator_stop_, [this](const Status& s) {
      // One line per change between working and failing, never per retry.
      if (s.ok()) {
        std::fprintf(stderr, "streamll: replication to %s works again\n", options_.replicate->redis.stream.c_str());
      } else {
        std::fprintf(stderr, "streamll: replication failing (retrying with backoff): %s\n", s.to_string().c_str());
      }
    });
    if (!ended.ok()) {
      std::fprintf(stderr, "streamll: replication stopped (events are still stored): %s\n", ended.to_string().c_str());
    }
  });
}

Pipeline::Pipeline(RuntimeOptions options, std::vector<std::shared_ptr<Sink>> sinks, std::unique_ptr<Store> store)
    : options_(std::move(options)),
      filter_(options_.allow_types, options_.deny_types),
      redactor_(options_.redact_keys),
      store_(std::move(store)),
      queue_(options_.buffer_size),
      wake_mask_(std::bit_ceil(options_.batch_size) - 1),
      sinks_(make_runners(sinks)) {
  writer_ = std::thread([this] { writer_loop(); });
}

Pipeline::~Pipeline() { stop(); }

Pipeline::SinkRunners Pipeline::make_runners(const std::vector<std::shared_ptr<Sink>>& sinks) const {
  SinkRunners runners;
  for (const auto& sink : sinks) {
    if (sink) runners.push_back(std::make_shared<SinkRunner>(sink, options_.sink_options));
  }
  return runners;
}

Pipeline::SinkRunners Pipeline::current_sinks() const {
  std::lock_guard<std::mutex> lock(sinks_mu_);
  return sinks_;
}

void Pipeline::set_sinks(const std::vector<std::shared_ptr<Sink>>& sinks) {
  SinkRunners old = make_runners(sinks);
  {
    std::lock_guard<std::mutex> lock(sinks_mu_);
    sinks_.swap(old);
  }
  for (auto& runner : old) runner->stop();  // delivers what it holds
}

bool Pipeline::submit(Event&& event) {
  if (!filter_.allows(event.event_type)) {
    filtered_.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  return complete_and_push(std::move(event), false);
}

bool Pipeline::submit_encoded(Event&& envelope, std::string&& data_json) {
  if (!filter_.allows(envelope.event_type)) {
    filtered_.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  if (!context_data().empty()) {
    // This thread's set_context() pairs go beneath the data: as a tree
    // (rare: a thread that emits encoded events seldom has C++ context).
    if (!parse_json(data_json, &envelope.data).ok() || !envelope.data.is_object()) {
      invalid_.fetch_add(1, std::memory_order_relaxed);
      return false;
    }
    return complete_and_push(std::move(envelope), false);
  }
  envelope.data = std::move(data_json);
  return complete_and_push(std::move(envelope), true);
}

bool Pipeline::complete_and_push(Event&& event, bool data_is_text) {
  // A fresh id takes its place in the process's order here, from the
  // clock read of the timestamp when there is one; the writer spells it.
  const bool stamped = event.timestamp != 0;
  if (!stamped) event.timestamp = event_now();
  std::optional<EventIdBits> id;
  if (event.event_id.empty()) id = take_event_id(stamped ? coarse_unix_ms() : event.timestamp / 1'000'000);
  ExecutionRef execution_id;
  if (event.execution_id.empty()) {
    execution_id = current_execution_ref();
    if (!execution_id) event.execution_id = new_execution_id();  // no scope: an execution of its own
  }
  if (!data_is_text && event.data.is_object()) merge_context(&event.data);
  // Validated by the writer (write_batch), not on the emitting thread.
  return push(std::move(event), id, std::move(execution_id), data_is_text);
}

bool Pipeline::push(Event&& event, std::optional<EventIdBits> id, ExecutionRef&& execution_id,
                    bool data_is_text) {
  const auto make = [&] { return Queued{std::move(event), id, std::move(execution_id), data_is_text}; };
  for (;;) {
    if (const auto pos = queue_.try_push(make); pos) {
      // One wake-up per batch_size events (rounded up to a power of two:
      // a mask, not a division); below that the writer's flush_interval
      // timer picks them up.
      if (((*pos + 1) & wake_mask_) == 0) wake_writer();
      return true;
    }
    switch (options_.overflow) {
      case OverflowPolicy::kDropNewest:
        dropped_.fetch_add(1, std::memory_order_relaxed);
        return false;
      case OverflowPolicy::kDropOldest: {
        Queued oldest;
        if (queue_.try_pop(&oldest)) dropped_.fetch_add(1, std::memory_order_relaxed);
        break;
      }
      case OverflowPolicy::kBlock:
        wait_for_room();
        break;
    }
  }
}

void Pipeline::wait_for_room() {
  wake_writer();
  blocked_.fetch_add(1);
  // Read room_ before looking at the queue again: a batch taken out after
  // this read changes room_, so the wait below returns at once.
  const uint64_t seen = room_.load();
  if (queue_.size() >= queue_.capacity()) room_.wait(seen);
  blocked_.fetch_sub(1);
}

void Pipeline::wake_writer() { wake_.notify_one(); }

void Pipeline::Batch::clear() {
  events.clear();
  fresh_ids.clear();
  data_is_text.clear();
}

void Pipeline::writer_loop() {
  Batch batch;
  Queued q;
  ExecutionRefDrops scope_refs;
  for (;;) {
    batch.clear();
    // Take what is there, up to batch_size; a backlog is written in several
    // appends rather than one huge one, which keeps memory bounded.
    while (batch.events.size() < options_.batch_size && queue_.try_pop(&q)) {
      if (q.execution_id) {
        q.event.execution_id = *q.execution_id;
        scope_refs.add(std::move(q.execution_id));
      }
      if (q.id) q.event.event_id = spell_event_id(*q.id);
      batch.events.push_back(std::move(q.event));
      batch.fresh_ids.push_back(q.id ? 1 : 0);
      batch.data_is_text.push_back(q.data_is_text ? 1 : 0);
    }
    scope_refs.flush();
    if (!batch.events.empty()) {
      // Room appeared: producers blocked on a full queue go on while this
      // batch is written.
      room_.fetch_add(1);
      if (blocked_.load() != 0) room_.notify_all();
      write_batch(&batch);
    }
    // Everything below pop_position() is now written or was dropped.
    handled_.store(queue_.pop_position(), std::memory_order_release);
    {
      std::lock_guard<std::mutex> lock(mu_);
      progress_.notify_all();
    }
    if (batch.events.size() == options_.batch_size) continue;
    std::unique_lock<std::mutex> lock(mu_);
    if (stopping_.load() && queue_.size() == 0) return;
    wake_.wait_for(lock, options_.flush_interval, [&] {
      return stopping_.load() || queue_.size() >= options_.batch_size ||
             flush_wanted_.load() > handled_.load();
    });
  }
}

bool Pipeline::store_writable() {
  if (!store_failing_.load(std::memory_order_relaxed)) return true;
  const auto now = std::chrono::steady_clock::now();
  if (now < next_recovery_) return false;
  if (Status s = store_->recover(); !s.ok()) {
    next_recovery_ = now + backoff_delay(recovery_failures_++, std::chrono::milliseconds(100), std::chrono::seconds(5));
    return false;
  }
  return true;  // the append decides whether the store works again
}

void Pipeline::write_batch(Batch* batch) {
  std::vector<Event>& events = batch->events;
  // Each event is checked here, once, off the emitting threads: an invalid
  // one is counted and left out, so neither the store nor a sink sees it
  // (and the redactor's walk never meets data nested beyond the limit).
  // Data that came as text was checked by its maker; it becomes a tree
  // only for the redactor to walk, when a secret key appears in it.
  size_t kept = 0;
  bool any_text = false;
  for (size_t i = 0; i < events.size(); ++i) {
    Event& e = events[i];
    bool text = batch->data_is_text[i] != 0;
    if (text && redactor_.may_apply(e.data.get_ref<const std::string&>())) {
      Json tree;
      if (!parse_json(e.data.get_ref<const std::string&>(), &tree).ok()) tree = nullptr;  // invalid below
      e.data = std::move(tree);
      text = false;
    }
    if (!(text ? validate_without_data(e) : validate_event(e)).ok()) {
      invalid_.fetch_add(1, std::memory_order_relaxed);
      continue;
    }
    if (!text) redactor_.apply(&e.data);
    any_text = any_text || text;
    if (kept != i) events[kept] = std::move(e);
    batch->fresh_ids[kept] = batch->fresh_ids[i];
    batch->data_is_text[kept] = text ? 1 : 0;
    ++kept;
  }
  events.resize(kept);
  batch->fresh_ids.resize(kept);
  batch->data_is_text.resize(kept);
  if (events.empty()) return;
  // Each event is encoded once, here: the store appends this text and the
  // sinks read the same views.
  if (!encoded_) {
    encoded_ = std::make_shared<EventBatch>();
  } else {
    encoded_->clear();
  }
  std::string tags_json;
  for (size_t i = 0; i < events.size(); ++i) {
    const Event& e = events[i];
    if (batch->data_is_text[i] == 0) {
      encoded_->add(e);
      continue;
    }
    encoded_->add(view_with_data_text(e, e.data.get_ref<const std::string&>(), &tags_json));
  }
  AppendResult result;
  // While the store fails (disk full, read-only, removed), batches are
  // counted as lost without touching it, and recover() is tried with
  // backoff: the application is never slowed by a broken disk.
  AppendOptions append_options;
  append_options.fresh_ids = batch->fresh_ids;
  append_options.validated = true;  // just above
  Status s = Status::io_error("the store is not writable");
  if (store_writable()) {
    if (any_text) {
      // The type registry then reads data's keys from the text.
      s = store_->append(encoded_->views(), &result, append_options);
    } else {
      append_options.encoded = encoded_->views();
      s = store_->append(events, &result, append_options);
    }
  }
  if (s.ok()) {
    stored_.fetch_add(result.appended, std::memory_order_relaxed);
    if (store_failing_.exchange(false, std::memory_order_relaxed)) {
      recovery_failures_ = 0;
      fmt::print(stderr, "streamll: {} takes events again; {} events could not be stored meanwhile (stats().store_lost)\n",
                 options_.store_path, store_lost_.load(std::memory_order_relaxed) - lost_before_failure_);
    }
  } else {
    store_failures_.fetch_add(1, std::memory_order_relaxed);
    const uint64_t lost_before = store_lost_.fetch_add(events.size(), std::memory_order_relaxed);
    if (!store_failing_.exchange(true, std::memory_order_relaxed)) {
      // One line per episode, not per batch.
      lost_before_failure_ = lost_before;
      next_recovery_ = std::chrono::steady_clock::now() + std::chrono::milliseconds(100);
      fmt::print(stderr, "streamll: cannot store events ({}); counting them in stats().store_lost and retrying\n",
                 s.message());
    }
  }
  std::lock_guard<std::mutex> lock(sinks_mu_);
  for (auto& sink : sinks_) sink->offer(encoded_);
  // A batch given to sinks is theirs: the next one is a new EventBatch.
  // (Reusing one whose use_count() had dropped to 1 raced with the sink's
  // last read: that count is read without ordering.)
  if (!sinks_.empty()) encoded_.reset();
}

bool Pipeline::flush(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  const uint64_t lost_at_start = store_lost_.load(std::memory_order_relaxed);
  const uint64_t ticket = queue_.push_position();
  uint64_t wanted = flush_wanted_.load();
  while (wanted < ticket && !flush_wanted_.compare_exchange_weak(wanted, ticket)) {
  }
  {
    std::unique_lock<std::mutex> lock(mu_);
    wake_.notify_one();
    if (!progress_.wait_until(lock, deadline, [&] { return handled_.load() >= ticket; })) return false;
  }
  if (store_failing_.load(std::memory_order_relaxed) ||
      store_lost_.load(std::memory_order_relaxed) != lost_at_start) {
    return false;
  }
  for (auto& sink : current_sinks()) {
    if (!sink->flush(deadline)) return false;
  }
  return true;
}

RuntimeStats Pipeline::stats() const {
  RuntimeStats s;
  s.invalid = invalid_.load(std::memory_order_relaxed);
  s.emitted = queue_.push_position() - s.invalid;
  s.filtered = filtered_.load(std::memory_order_relaxed);
  s.dropped = dropped_.load(std::memory_order_relaxed);
  s.stored = stored_.load(std::memory_order_relaxed);
  s.store_failures = store_failures_.load(std::memory_order_relaxed);
  s.store_lost = store_lost_.load(std::memory_order_relaxed);
  for (const auto& sink : current_sinks()) s.sinks.push_back(sink->stats());
  if (replicator_) s.replication = replicator_->stats();
  return s;
}

void Pipeline::stop_replicator() {
  if (!replicator_thread_.joinable()) return;
  replicator_stop_ = true;
  replicator_thread_.join();
  // Everything is stored now: ship the rest while Redis is known to work.
  if (replicator_->stats().breaker == CircuitState::kClosed) (void)replicator_->sync();
}

void Pipeline::stop() {
  if (!writer_.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    wake_.notify_one();
  }
  writer_.join();
  for (auto& sink : current_sinks()) sink->stop();
  if (options_.record_stats) append_stats_event();
  stop_replicator();
}

void Pipeline::append_stats_event() {
  const RuntimeStats s = stats();
  Event e;
  e.event_id = generate_event_id();
  // One execution holds every runtime's stats, so they do not crowd the
  // list of pipeline runs.
  e.execution_id = "streamll.stats";
  e.timestamp = event_now();
  e.module_name = "streamll";
  e.method_name = "shutdown";
  e.event_type = "streamll.stats";
  e.data = {{"emitted", s.emitted}, {"filtered", s.filtered}, {"invalid", s.invalid},
            {"dropped", s.dropped},  {"stored", s.stored},     {"store_failures", s.store_failures},
            {"store_lost", s.store_lost}};
  Json sinks = Json::array();
  for (const auto& sink : s.sinks) {
    sinks.push_back({{"name", sink.name}, {"delivered", sink.delivered}, {"missed", sink.missed},
                     {"failures", sink.failures}});
  }
  e.data["sinks"] = std::move(sinks);
  if (s.replication) {
    e.data["replication"] = {{"shipped", s.replication->shipped},
                             {"failures", s.replication->failures},
                             {"checkpoint", s.replication->checkpoint}};
  }
  (void)store_->append(std::span<const Event>(&e, 1));
}

}  // namespace streamll::detail

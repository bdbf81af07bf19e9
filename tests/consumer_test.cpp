// RedisStreamConsumer against a real redis-server: what the replicator ships
// comes back field for field; groups acknowledge only what handlers
// accepted; a crashed consumer's entries are claimed; bad entries are
// reported and skipped; upstream's older format decodes.
#include "streamll/consumer.hpp"

#include <algorithm>
#include <mutex>
#include <set>
#include <thread>

#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "redis/connection.hpp"
#include "streamll/event_batch.hpp"
#include "streamll/event_json.hpp"
#include "streamll/ingest.hpp"
#include "streamll/redis_sink.hpp"
#include "streamll/replicate.hpp"
#include "streamll/store.hpp"
#include "streamll/timestamp.hpp"
#include "support/event_gen.hpp"
#include "support/redis_server.hpp"
#include "support/temp_dir.hpp"
#include "support/wait_for.hpp"

using namespace streamll;
using streamll::testing::RedisServer;
using streamll::testing::TempDir;

using streamll::testing::wait_for;

namespace {

std::unique_ptr<RedisStreamConsumer> make_consumer(ConsumerOptions options) {
  std::unique_ptr<RedisStreamConsumer> consumer;
  const Status s = RedisStreamConsumer::create(std::move(options), &consumer);
  INFO(s.to_string());
  REQUIRE(s.ok());
  return consumer;
}

ConsumerOptions options_for(const RedisServer& redis, std::string group = "", std::string name = "") {
  ConsumerOptions o;
  o.redis.url = redis.url();
  o.group = std::move(group);
  o.consumer = std::move(name);
  o.retry.backoff_min = std::chrono::milliseconds(10);
  o.retry.backoff_max = std::chrono::milliseconds(100);
  o.retry.recovery_timeout = std::chrono::milliseconds(200);
  return o;
}

// What handlers saw, safe to read while a consumer thread adds to it.
struct Received {
  mutable std::mutex mutex;
  std::vector<Event> events;
  std::vector<Status> errors;

  EventHandler handler() {
    return [this](const Event& e) {
      std::lock_guard<std::mutex> lock(mutex);
      events.push_back(e);
      return Status::ok_status();
    };
  }
  std::function<void(const Status&)> error_callback() {
    return [this](const Status& s) {
      std::lock_guard<std::mutex> lock(mutex);
      errors.push_back(s);
    };
  }
  size_t size() const {
    std::lock_guard<std::mutex> lock(mutex);
    return events.size();
  }
  std::vector<std::string> error_messages() const {
    std::lock_guard<std::mutex> lock(mutex);
    std::vector<std::string> out;
    for (const auto& s : errors) out.push_back(s.message());
    return out;
  }
};

std::string xadd(redis::Connection& conn, const std::string& stream, const std::string& field,
                 const std::string& value) {
  redis::Reply reply;
  REQUIRE(conn.command({"XADD", stream, "*", field, value}, &reply).ok());
  REQUIRE(reply.type == redis::Reply::Type::kString);
  return reply.str;
}

// How many entries the group has pending (XPENDING summary).
long long pending_count(redis::Connection& conn, const std::string& stream, const std::string& group) {
  redis::Reply reply;
  REQUIRE(conn.command({"XPENDING", stream, group}, &reply).ok());
  REQUIRE(reply.type == redis::Reply::Type::kArray);
  REQUIRE(!reply.elements.empty());
  return reply.elements[0].integer;
}

// The ids pending for one consumer of the group.
std::set<std::string> pending_ids(redis::Connection& conn, const std::string& stream, const std::string& group,
                                  const std::string& consumer) {
  redis::Reply reply;
  REQUIRE(conn.command({"XPENDING", stream, group, "-", "+", "1000", consumer}, &reply).ok());
  std::set<std::string> out;
  for (const auto& e : reply.elements) out.insert(e.elements[0].str);
  return out;
}

std::vector<Event> replicate(const RedisServer& redis, Store* store) {
  std::unique_ptr<Replicator> replicator;
  ReplicateOptions options;
  options.redis.url = redis.url();
  REQUIRE(Replicator::create(store, options, &replicator).ok());
  REQUIRE(replicator->sync().ok());
  std::vector<Event> events;
  for (auto it = store->scan_arrival(); it->valid(); it->next()) {
    Event e;
    REQUIRE(to_event(it->view(), &e).ok());
    events.push_back(std::move(e));
  }
  return events;
}

std::unique_ptr<Store> store_with(TempDir& dir, uint64_t seed, size_t n) {
  std::unique_ptr<Store> store;
  REQUIRE(Store::open(dir / "db", {}, &store).ok());
  testing::EventGenerator gen(seed);
  std::vector<Event> events;
  for (size_t i = 0; i < n; ++i) events.push_back(gen.event());
  REQUIRE(store->append(events).ok());
  return store;
}

Event simple_event(const std::string& id, const std::string& type) {
  Event e;
  e.event_id = id;
  e.execution_id = "exec";
  e.timestamp = 1'758'126'152'137'000'000;
  e.event_type = type;
  e.data = {{"n", 1}};
  return e;
}

}  // namespace

TEST_CASE("store -> replicator -> consumer gives back every event, field for field, in order", "[consumer][redis]") {
  RedisServer redis;
  TempDir dir;
  auto store = store_with(dir, 11, 537);
  const std::vector<Event> expected = replicate(redis, store.get());
  REQUIRE(expected.size() == 537);

  SECTION("without a group, synchronously") {
    Received got;
    auto consumer = make_consumer(options_for(redis));
    consumer->subscribe(got.handler());
    size_t read = 0;
    REQUIRE(consumer->drain(nullptr, &read).ok());
    CHECK(read == 537);
    CHECK(got.events == expected);
    const ConsumerStats st = consumer->stats();
    CHECK(st.received == 537);
    CHECK(st.delivered == 537);
    CHECK(st.acked == 0);  // nothing to acknowledge without a group
    CHECK(st.malformed == 0);
    // Again: the position is kept, nothing is read twice.
    REQUIRE(consumer->drain(nullptr, &read).ok());
    CHECK(read == 0);
    CHECK(got.events.size() == 537);
  }

  SECTION("with a group, on the consumer's thread") {
    Received got;
    auto consumer = make_consumer(options_for(redis, "g"));
    consumer->subscribe(got.handler());
    REQUIRE(consumer->start().ok());
    CHECK(!consumer->start().ok());  // a second start() is refused, not a second thread
    REQUIRE(wait_for([&] { return got.size() == 537; }));
    REQUIRE(wait_for([&] { return consumer->stats().acked == 537; }));
    consumer->stop();
    consumer->stop();  // idempotent
    CHECK(got.events == expected);
    auto conn = redis.connect();
    CHECK(pending_count(*conn, "streamll_events", "g") == 0);

    // New events reach a restarted consumer; what was acknowledged does not come back.
    testing::EventGenerator gen(12);
    std::vector<Event> more = {gen.event(), gen.event(), gen.event()};
    REQUIRE(store->append(more).ok());
    replicate(redis, store.get());
    REQUIRE(consumer->start().ok());
    REQUIRE(wait_for([&] { return got.size() == 540; }));
    consumer->stop();
    std::lock_guard<std::mutex> lock(got.mutex);
    CHECK(std::vector<Event>(got.events.begin() + 537, got.events.end()) == more);
  }

  SECTION("batch subscriptions receive the same events in reads of at most batch_size") {
    ConsumerOptions options = options_for(redis, "g");
    options.batch_size = 50;
    auto consumer = make_consumer(options);
    std::vector<Event> got;
    size_t largest = 0;
    consumer->subscribe_batch([&](std::span<const Event> batch) {
      largest = std::max(largest, batch.size());
      got.insert(got.end(), batch.begin(), batch.end());
      return Status::ok_status();
    });
    REQUIRE(consumer->drain().ok());
    CHECK(got == expected);
    CHECK(largest == 50);
    CHECK(consumer->stats().acked == 537);
  }
}

TEST_CASE("subscriptions see only the event types they asked for", "[consumer][redis]") {
  RedisServer redis;
  auto conn = redis.connect();
  const std::vector<std::string> types = {"rag.retrieval.start", "rag.retrieval.end", "llm.call.start", "ragged",
                                          "llm.call.error", "token"};
  for (size_t i = 0; i < types.size(); ++i) {
    xadd(*conn, "streamll_events", "message", event_to_json(simple_event("id" + std::to_string(i), types[i])));
  }
  auto consumer = make_consumer(options_for(redis, "g"));
  std::vector<std::string> rag, llm, all, batch_rag;
  consumer->subscribe([&](const Event& e) { rag.push_back(e.event_type); return Status(); }, "rag.");
  consumer->subscribe([&](const Event& e) { llm.push_back(e.event_type); return Status(); }, "llm.*");
  consumer->subscribe([&](const Event& e) { all.push_back(e.event_type); return Status(); });
  consumer->subscribe_batch(
      [&](std::span<const Event> batch) {
        for (const Event& e : batch) batch_rag.push_back(e.event_type);
        return Status();
      },
      "rag.*");
  REQUIRE(consumer->drain().ok());
  CHECK(rag == std::vector<std::string>{"rag.retrieval.start", "rag.retrieval.end"});
  CHECK(llm == std::vector<std::string>{"llm.call.start", "llm.call.error"});
  CHECK(all == types);
  CHECK(batch_rag == rag);
  // Every entry is acknowledged, including those only the catch-all wanted.
  CHECK(consumer->stats().acked == types.size());
  CHECK(consumer->stats().delivered == types.size());

  SECTION("entries no subscription matches are acknowledged too") {
    xadd(*conn, "streamll_events", "message", event_to_json(simple_event("other", "other.type")));
    auto narrow = make_consumer(options_for(redis, "narrow"));
    size_t seen = 0;
    narrow->subscribe([&](const Event&) { ++seen; return Status(); }, "rag.");
    REQUIRE(narrow->drain().ok());
    CHECK(seen == 2);
    CHECK(narrow->stats().acked == types.size() + 1);
    CHECK(narrow->stats().delivered == 2);
    CHECK(pending_count(*conn, "streamll_events", "narrow") == 0);
  }
}

TEST_CASE("an entry is acknowledged only after every matching handler returned ok", "[consumer][redis]") {
  RedisServer redis;
  auto conn = redis.connect();
  std::vector<std::string> ids;
  for (int i = 0; i < 10; ++i) {
    ids.push_back(xadd(*conn, "streamll_events", "message",
                       event_to_json(simple_event("e" + std::to_string(i), i % 3 == 0 ? "flaky" : "fine"))));
  }
  ConsumerOptions options = options_for(redis, "g", "worker");
  auto consumer = make_consumer(options);
  Received errors;
  consumer->on_error(errors.error_callback());
  bool fail = true;
  std::set<std::string> handled;
  std::vector<long long> pending_during_handler;
  auto observer = redis.connect();
  consumer->subscribe([&](const Event& e) {
    // While the handler runs, its entry is pending: the acknowledgement comes after.
    pending_during_handler.push_back(pending_count(*observer, "streamll_events", "g"));
    if (e.event_type == "flaky" && fail) return Status::io_error("downstream unavailable");
    handled.insert(e.event_id);
    return Status::ok_status();
  });
  // A second subscription that always accepts does not get the entry acknowledged alone.
  consumer->subscribe([](const Event&) { return Status::ok_status(); });
  REQUIRE(consumer->drain().ok());
  CHECK(handled.size() == 6);
  CHECK(std::all_of(pending_during_handler.begin(), pending_during_handler.end(), [](long long n) { return n > 0; }));
  const ConsumerStats st = consumer->stats();
  CHECK(st.handler_failures == 4);
  CHECK(st.delivered == 6);
  CHECK(st.acked == 6);
  CHECK(pending_ids(*conn, "streamll_events", "g", "worker") == std::set<std::string>{ids[0], ids[3], ids[6], ids[9]});
  const auto messages = errors.error_messages();
  REQUIRE(messages.size() == 4);
  CHECK(messages[0] ==
        "stream streamll_events, entry " + ids[0] + " (event e0): handler failed: downstream unavailable");

  SECTION("a later run of the same consumer delivers them") {
    fail = false;
    REQUIRE(consumer->drain().ok());
    CHECK(handled.size() == 10);
    CHECK(pending_count(*conn, "streamll_events", "g") == 0);
  }
  SECTION("so does the running consumer, at start and every retry_interval") {
    options.retry_interval = std::chrono::milliseconds(100);
    auto again = make_consumer(options);
    std::atomic<int> calls{0};
    again->subscribe([&](const Event& e) {
      // Fails the first retry of e0, to see it retried again while running.
      if (e.event_id == "e0" && calls.fetch_add(1) == 0) return Status::io_error("not yet");
      return Status::ok_status();
    });
    REQUIRE(again->start().ok());
    CHECK(wait_for([&] { return again->stats().acked == 4; }));
    again->stop();
    CHECK(calls.load() >= 2);
    CHECK(pending_count(*conn, "streamll_events", "g") == 0);
  }
}

TEST_CASE("a handler that throws is a failure, not the end of the consumer", "[consumer][redis]") {
  RedisServer redis;
  auto conn = redis.connect();
  for (int i = 0; i < 5; ++i) {
    xadd(*conn, "streamll_events", "message", event_to_json(simple_event("t" + std::to_string(i), "x")));
  }
  auto consumer = make_consumer(options_for(redis, "g"));
  Received errors;
  consumer->on_error(errors.error_callback());
  int ok = 0;
  consumer->subscribe([&](const Event& e) -> Status {
    if (e.event_id == "t2") throw std::runtime_error("boom");
    ++ok;
    return Status();
  });
  REQUIRE(consumer->drain().ok());
  CHECK(ok == 4);
  CHECK(consumer->stats().handler_failures == 1);
  REQUIRE(errors.error_messages().size() == 1);
  CHECK(errors.error_messages()[0].find("handler threw: boom") != std::string::npos);
  CHECK(pending_count(*conn, "streamll_events", "g") == 1);
}

TEST_CASE("a crashed consumer's pending entries are claimed by another (XAUTOCLAIM)", "[consumer][redis]") {
  RedisServer redis;
  auto conn = redis.connect();
  std::set<std::string> all;
  for (int i = 0; i < 250; ++i) {
    all.insert("c" + std::to_string(i));
    xadd(*conn, "streamll_events", "message", event_to_json(simple_event("c" + std::to_string(i), "t")));
  }

  SECTION("A's handler fails on everything, then A is gone") {
    {
      auto a = make_consumer(options_for(redis, "g", "a"));
      a->subscribe([](const Event&) { return Status::io_error("crashing"); });
      REQUIRE(a->drain().ok());
      CHECK(a->stats().handler_failures == 250);
    }
  }
  SECTION("A read with XREADGROUP and died before acknowledging") {
    redis::Reply reply;
    REQUIRE(conn->command({"XGROUP", "CREATE", "streamll_events", "g", "0"}, &reply).ok());
    REQUIRE(conn->command({"XREADGROUP", "GROUP", "g", "a", "COUNT", "1000", "STREAMS", "streamll_events", ">"}, &reply)
                .ok());
    REQUIRE(reply.elements.size() == 1);
  }
  REQUIRE(pending_ids(*conn, "streamll_events", "g", "a").size() == 250);

  // B with the default claim_min_idle (30 s) leaves A's recent entries alone.
  ConsumerOptions b_options = options_for(redis, "g", "b");
  b_options.batch_size = 40;
  {
    auto patient = make_consumer(b_options);
    size_t seen = 0;
    patient->subscribe([&](const Event&) { ++seen; return Status(); });
    REQUIRE(patient->drain().ok());
    CHECK(seen == 0);
    CHECK(patient->stats().claimed == 0);
  }
  // Once they have been idle for claim_min_idle, B takes them over.
  b_options.claim_min_idle = std::chrono::milliseconds(50);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  auto b = make_consumer(b_options);
  std::set<std::string> got;
  b->subscribe([&](const Event& e) {
    got.insert(e.event_id);
    return Status();
  });
  REQUIRE(b->drain().ok());
  CHECK(got == all);
  CHECK(b->stats().claimed == 250);
  CHECK(b->stats().acked == 250);
  CHECK(pending_count(*conn, "streamll_events", "g") == 0);
}

TEST_CASE("a consumer of this host killed before it acknowledged: its entries are claimed at once", "[consumer][redis]") {
  RedisServer redis;
  auto conn = redis.connect();
  std::set<std::string> all;
  for (int i = 0; i < 120; ++i) {
    all.insert("k" + std::to_string(i));
    xadd(*conn, "streamll_events", "message", event_to_json(simple_event("k" + std::to_string(i), "t")));
  }
  char host[256] = {};
  REQUIRE(gethostname(host, sizeof host - 1) == 0);
  // The pid of a process that is gone, and of one that runs (this one's parent).
  const pid_t child = fork();
  if (child == 0) _exit(0);
  REQUIRE(waitpid(child, nullptr, 0) == child);
  const std::string gone = fmt::format("{}-{}", host, child);
  const std::string alive = fmt::format("{}-{}", host, getppid());
  redis::Reply reply;
  REQUIRE(conn->command({"XGROUP", "CREATE", "streamll_events", "g", "0"}, &reply).ok());
  REQUIRE(conn->command({"XREADGROUP", "GROUP", "g", gone, "COUNT", "100", "STREAMS", "streamll_events", ">"}, &reply)
              .ok());
  REQUIRE(conn->command({"XREADGROUP", "GROUP", "g", alive, "COUNT", "20", "STREAMS", "streamll_events", ">"}, &reply)
              .ok());
  REQUIRE(pending_ids(*conn, "streamll_events", "g", gone).size() == 100);

  // The next consumer (default name, default claim_min_idle of 30 s) takes
  // the gone one's 100 at once; the live one's 20 stay its own.
  ConsumerOptions options = options_for(redis, "g", "");
  options.batch_size = 30;
  auto next = make_consumer(options);
  std::set<std::string> got;
  next->subscribe([&](const Event& e) {
    got.insert(e.event_id);
    return Status();
  });
  REQUIRE(next->drain().ok());
  CHECK(got.size() == 100);
  CHECK(next->stats().claimed == 100);
  CHECK(pending_ids(*conn, "streamll_events", "g", alive).size() == 20);
  CHECK(pending_count(*conn, "streamll_events", "g") == 20);
  REQUIRE(conn->command({"XINFO", "CONSUMERS", "streamll_events", "g"}, &reply).ok());
  std::set<std::string> names;
  for (const auto& c : reply.elements) names.insert(c.elements.at(1).str);
  CHECK(names.count(gone) == 0);  // removed from the group once it held nothing
  CHECK(names.count(alive) == 1);
}

TEST_CASE("malformed entries are reported with stream, id and field, acknowledged, and skipped", "[consumer][redis]") {
  RedisServer redis;
  auto conn = redis.connect();
  const std::string stream = "mixed";
  std::vector<std::string> good_ids;
  const auto good = [&](const std::string& id) {
    xadd(*conn, stream, "message", event_to_json(simple_event(id, "ok")));
    good_ids.push_back(id);
  };
  good("g1");
  const std::string not_json = xadd(*conn, stream, "message", "not json {");
  good("g2");
  const std::string no_field = xadd(*conn, stream, "payload", R"({"event_type":"x","execution_id":"e"})");
  const std::string no_type = xadd(*conn, stream, "message", R"({"event_id":"n1","execution_id":"e"})");
  good("g3");
  const std::string bad_data =
      xadd(*conn, stream, "event", R"({"event_id":"n2","execution_id":"e","event_type":"x","data":[1,2]})");
  const std::string bad_time = xadd(*conn, stream, "message",
                                    R"({"event_id":"n3","execution_id":"e","event_type":"x","timestamp":"yesterday"})");
  good("g4");

  const auto check = [&](const std::string& group) {
    ConsumerOptions options = options_for(redis, group);
    options.redis.stream = stream;
    options.batch_size = 3;  // bad entries at the start, middle and end of reads
    auto consumer = make_consumer(options);
    Received got;
    consumer->subscribe(got.handler());
    consumer->on_error(got.error_callback());
    REQUIRE(consumer->drain().ok());
    std::vector<std::string> ids;
    for (const auto& e : got.events) ids.push_back(e.event_id);
    CHECK(ids == good_ids);
    const auto messages = got.error_messages();
    REQUIRE(messages.size() == 5);
    const std::string prefix = "stream mixed, entry ";
    CHECK(messages[0].starts_with(prefix + not_json + ", field 'message': invalid JSON"));
    CHECK(messages[1] == prefix + no_field + ", no 'message' or 'event' field (fields: payload)");
    CHECK(messages[2] == prefix + no_type + ", field 'message': field 'event_type': is required");
    CHECK(messages[3] == prefix + bad_data + ", field 'event': field 'data': must be an object, not array");
    CHECK(messages[4].starts_with(prefix + bad_time + ", field 'message': field 'timestamp': "));
    for (const auto& s : got.errors) CHECK(s.is_invalid_argument());
    const ConsumerStats st = consumer->stats();
    CHECK(st.malformed == 5);
    CHECK(st.delivered == 4);
    CHECK(st.received == 9);
    return st;
  };
  SECTION("without a group") { CHECK(check("").acked == 0); }
  SECTION("with a group: acknowledged, so that they never come back") {
    CHECK(check("g").acked == 9);
    CHECK(pending_count(*conn, stream, "g") == 0);
  }
}

TEST_CASE("an entry deleted while pending is reported and dropped from the pending list", "[consumer][redis]") {
  RedisServer redis;
  auto conn = redis.connect();
  const std::string kept = xadd(*conn, "streamll_events", "message", event_to_json(simple_event("k", "t")));
  const std::string gone = xadd(*conn, "streamll_events", "message", event_to_json(simple_event("d", "t")));
  auto consumer = make_consumer(options_for(redis, "g", "w"));
  Received got;
  consumer->on_error(got.error_callback());
  bool fail = true;
  consumer->subscribe([&](const Event&) { return fail ? Status::io_error("later") : Status(); });
  REQUIRE(consumer->drain().ok());
  REQUIRE(pending_count(*conn, "streamll_events", "g") == 2);
  redis::Reply reply;
  REQUIRE(conn->command({"XDEL", "streamll_events", gone}, &reply).ok());
  fail = false;
  REQUIRE(consumer->drain().ok());
  CHECK(pending_count(*conn, "streamll_events", "g") == 0);
  const auto messages = got.error_messages();
  REQUIRE(messages.size() == 3);  // two handler failures, then the deleted entry
  CHECK(messages[2] == "stream streamll_events, entry " + gone + ", deleted from the stream while pending");
  CHECK(consumer->stats().malformed == 1);
}

TEST_CASE("upstream's older RedisSink format (field event, isoformat timestamps) decodes", "[consumer][redis]") {
  RedisServer redis;
  auto conn = redis.connect();
  // What json.dumps(event.model_dump(mode="json")) of upstream's StreamllEvent wrote.
  xadd(*conn, "streamll_events", "event",
       R"({"event_id": "abc123def456", "execution_id": "run-1", "timestamp": "2025-09-17T16:22:32.137000+00:00", )"
       R"("module_name": "RAG", "method_name": "forward", "event_type": "rag.retrieval.end", "operation": "retrieve", )"
       R"("data": {"num_docs": 3, "query": "caf\u00e9"}, "tags": {"env": "dev"}})");
  // Python's str(datetime): a space, a short fraction; optional fields missing.
  xadd(*conn, "streamll_events", "event",
       R"({"event_id": "abc123def457", "execution_id": "run-1", "timestamp": "2025-09-17 16:22:33.5+00:00", )"
       R"("event_type": "end"})");
  // Both fields: message wins, as upstream's newer consumer reads it.
  redis::Reply reply;
  REQUIRE(conn->command({"XADD", "streamll_events", "*", "event", "ignored", "message",
                         event_to_json(simple_event("both", "t"))},
                        &reply)
              .ok());
  auto consumer = make_consumer(options_for(redis));
  Received got;
  consumer->subscribe(got.handler());
  consumer->on_error(got.error_callback());
  REQUIRE(consumer->drain().ok());
  CHECK(got.errors.empty());
  REQUIRE(got.events.size() == 3);
  const Event& e = got.events[0];
  CHECK(e.event_id == "abc123def456");
  CHECK(e.execution_id == "run-1");
  CHECK(e.timestamp == 1'758'126'152'137'000'000);
  CHECK(format_timestamp(e.timestamp) == "2025-09-17T16:22:32.137000Z");
  CHECK(e.module_name == "RAG");
  CHECK(e.method_name == "forward");
  CHECK(e.event_type == "rag.retrieval.end");
  CHECK(e.operation == "retrieve");
  CHECK(e.data == Json::parse(R"({"num_docs":3,"query":"café"})"));
  CHECK(e.tags == std::map<std::string, std::string>{{"env", "dev"}});
  const Event& oldest = got.events[1];
  CHECK(oldest.timestamp == 1'758'126'153'500'000'000);
  CHECK(oldest.module_name == "unknown");  // upstream's defaults
  CHECK(oldest.method_name == "forward");
  CHECK(!oldest.operation.has_value());
  CHECK(oldest.data == Json::object());
  CHECK(got.events[2].event_id == "both");
}

TEST_CASE("one RedisTarget: a sink told another field feeds a consumer told the same", "[consumer][redis]") {
  RedisServer redis;
  const RedisTarget target{.url = redis.url(), .stream = "custom", .field = "payload"};
  RedisSink sink(target);
  EventBatch batch;
  for (const char* id : {"p1", "p2", "p3"}) batch.add(simple_event(id, "step"));
  REQUIRE(sink.write(batch.views()).ok());

  ConsumerOptions options = options_for(redis);
  options.redis = target;
  auto consumer = make_consumer(options);
  Received got;
  consumer->subscribe(got.handler());
  consumer->on_error(got.error_callback());
  REQUIRE(consumer->drain().ok());
  CHECK(got.errors.empty());
  std::vector<std::string> ids;
  for (const auto& e : got.events) ids.push_back(e.event_id);
  CHECK(ids == std::vector<std::string>{"p1", "p2", "p3"});

  // A consumer told only upstream's fields names the field it looked for.
  options.redis.field = "message";
  auto plain = make_consumer(options);
  Received missed;
  plain->subscribe(missed.handler());
  plain->on_error(missed.error_callback());
  REQUIRE(plain->drain().ok());
  CHECK(missed.events.empty());
  const auto messages = missed.error_messages();
  REQUIRE(messages.size() == 3);
  CHECK(messages[0].ends_with(", no 'message' or 'event' field (fields: payload)"));

  // A sink whose target is wrong fails its writes and says what is wrong.
  RedisSink nameless(RedisTarget{.url = redis.url(), .stream = ""});
  const Status s = nameless.write(batch.views());
  CHECK(s.is_invalid_argument());
  CHECK(s.message().find("stream name is empty") != std::string::npos);
}

TEST_CASE("start_id $ reads only what is added after the consumer connects", "[consumer][redis]") {
  RedisServer redis;
  auto conn = redis.connect();
  xadd(*conn, "streamll_events", "message", event_to_json(simple_event("old", "t")));
  ConsumerOptions options = options_for(redis);
  options.start_id = "$";
  auto consumer = make_consumer(options);
  Received got;
  consumer->subscribe(got.handler());
  REQUIRE(consumer->start().ok());
  // The consumer has resolved $ once it waits in XREAD.
  REQUIRE(wait_for([&] {
    redis::Reply clients;
    return conn->command({"CLIENT", "LIST"}, &clients).ok() && clients.str.find("cmd=xread") != std::string::npos;
  }));
  xadd(*conn, "streamll_events", "message", event_to_json(simple_event("new", "t")));
  REQUIRE(wait_for([&] { return got.size() == 1; }));
  consumer->stop();
  CHECK(got.events[0].event_id == "new");
}

TEST_CASE("Redis down: the consumer retries behind its breaker and goes on when Redis is back", "[consumer][redis]") {
  RedisServer redis;
  {
    auto conn = redis.connect();
    xadd(*conn, "streamll_events", "message", event_to_json(simple_event("before", "t")));
  }
  redis.stop();
  ConsumerOptions options = options_for(redis, "g");
  options.retry.failure_threshold = 2;
  auto consumer = make_consumer(options);
  Received got;
  consumer->subscribe(got.handler());
  consumer->on_error(got.error_callback());
  REQUIRE(consumer->start().ok());
  CHECK(wait_for([&] { return consumer->stats().breaker == CircuitState::kOpen; }));
  CHECK(consumer->stats().last_error.find("cannot connect") != std::string::npos);
  redis.start();  // the append-only file kept the entry
  REQUIRE(wait_for([&] { return got.size() == 1; }));
  {
    auto conn = redis.connect();
    xadd(*conn, "streamll_events", "message", event_to_json(simple_event("after", "t")));
  }
  REQUIRE(wait_for([&] { return got.size() == 2; }));
  CHECK(wait_for([&] { return consumer->stats().breaker == CircuitState::kClosed; }));
  consumer->stop();
  const auto messages = got.error_messages();
  REQUIRE(messages.size() == 1);  // once per run of failures, not once per retry
  CHECK(messages[0].find("cannot connect") != std::string::npos);
  CHECK(consumer->stats().failures >= 2);

  SECTION("a restart of Redis under a connected consumer") {
    const uint64_t reconnects = consumer->stats().reconnects;
    REQUIRE(consumer->start().ok());
    redis.stop();
    redis.start();
    {
      auto conn = redis.connect();
      xadd(*conn, "streamll_events", "message", event_to_json(simple_event("restarted", "t")));
    }
    REQUIRE(wait_for([&] { return got.size() == 3; }));
    CHECK(consumer->stats().reconnects > reconnects);
    consumer->stop();
  }
}

TEST_CASE("drain() fails clearly when Redis is unreachable; bad options are refused", "[consumer]") {
  ConsumerOptions options;
  options.redis.url = "redis://127.0.0.1:" + std::to_string(testing::free_port());
  auto consumer = make_consumer(options);
  const Status s = consumer->drain();
  CHECK(s.code() == Status::Code::kIOError);
  CHECK(s.message().find("cannot connect") != std::string::npos);
  CHECK(consumer->stats().failures == 1);

  std::unique_ptr<RedisStreamConsumer> bad;
  const auto refused = [&](ConsumerOptions o, const std::string& what) {
    const Status st = RedisStreamConsumer::create(std::move(o), &bad);
    INFO(st.to_string());
    CHECK(!st.ok());
    CHECK(st.message().find(what) != std::string::npos);
  };
  refused({.redis = {.url = "http://x"}}, "http://x");
  refused({.redis = {.stream = ""}}, "stream");
  refused({.start_id = "latest"}, "start_id 'latest'");
  ConsumerOptions o;
  o.batch_size = 0;
  refused(o, "batch_size");
  o = {};
  o.block = std::chrono::milliseconds(0);
  refused(o, "block");
  o = {};
  o.retry.backoff_max = std::chrono::milliseconds(1);
  refused(o, "backoff");
}

TEST_CASE("ingest_stream stores a stream once, skips what is malformed, names conflicts, follows until stopped",
          "[consumer][redis][ingest]") {
  RedisServer redis;
  auto conn = redis.connect();
  TempDir dir;
  std::unique_ptr<Store> store;
  REQUIRE(Store::open(dir / "db", StoreOptions{}, &store).ok());
  Event stored = simple_event("c1", "ok");
  REQUIRE(store->append(std::span<const Event>(&stored, 1)).ok());

  xadd(*conn, "streamll_events", "message", event_to_json(simple_event("g1", "ok")));
  const std::string bad = xadd(*conn, "streamll_events", "message", "not json {");
  xadd(*conn, "streamll_events", "message", event_to_json(simple_event("g2", "ok")));
  Event other = simple_event("c1", "ok");
  other.data = {{"n", 2}};
  xadd(*conn, "streamll_events", "message", event_to_json(other));
  xadd(*conn, "streamll_events", "message", event_to_json(simple_event("g1", "ok")));

  ConsumerOptions options = options_for(redis, "archive");
  options.batch_size = 2;
  std::vector<Status> problems;
  std::vector<std::string> conflicts;
  IngestOptions ingest;
  ingest.on_problem = [&](const Status& s) { problems.push_back(s); };
  ingest.on_conflict = [&](std::string_view id) { conflicts.emplace_back(id); };
  IngestReport report;
  REQUIRE(ingest_stream(options, store.get(), ingest, &report).ok());
  CHECK(report.appended == 2);
  CHECK(report.duplicates == 2);
  CHECK(report.conflicts == 1);
  CHECK(report.consumer.malformed == 1);
  CHECK(report.consumer.received == 5);
  REQUIRE(problems.size() == 1);
  CHECK(problems[0].is_invalid_argument());
  CHECK(problems[0].message().starts_with("stream streamll_events, entry " + bad + ", field 'message': invalid JSON"));
  CHECK(conflicts == std::vector<std::string>{"c1"});
  CHECK(pending_count(*conn, "streamll_events", "archive") == 0);
  Event got;
  REQUIRE(store->get("c1", &got).ok());
  CHECK(got == stored);  // the stored event was kept
  REQUIRE(store->get("g2", &got).ok());

  // The group goes on where it stood: nothing again.
  REQUIRE(ingest_stream(options, store.get(), ingest, &report).ok());
  CHECK(report.appended == 0);
  CHECK(report.consumer.received == 0);

  // Following: new entries are stored as they arrive, until the flag.
  std::atomic<bool> stop{false};
  ingest.follow = true;
  ingest.stop = &stop;
  Status followed;
  std::thread follower([&] { followed = ingest_stream(options, store.get(), ingest, &report); });
  xadd(*conn, "streamll_events", "message", event_to_json(simple_event("g3", "ok")));
  CHECK(wait_for([&] { return store->get("g3", &got).ok(); }));
  stop.store(true);
  follower.join();
  CHECK(followed.ok());
  CHECK(report.appended == 1);
  CHECK(store->last_seq() == 4);

  ingest.stop = nullptr;
  CHECK(ingest_stream(options, store.get(), ingest, &report).is_invalid_argument());
}

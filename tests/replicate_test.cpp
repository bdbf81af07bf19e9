// Replication to a real redis-server: exactly once across failures.
#include "streamll/replicate.hpp"

#include <algorithm>
#include <filesystem>
#include <map>
#include <random>
#include <thread>

#include <catch2/catch.hpp>

#include "redis/connection.hpp"
#include "streamll/context.hpp"
#include "streamll/emit.hpp"
#include "streamll/event_json.hpp"
#include "streamll/redis_sink.hpp"
#include "streamll/runtime.hpp"
#include "support/event_gen.hpp"
#include "support/open_store.hpp"
#include "support/process.hpp"
#include "support/redis_server.hpp"
#include "support/temp_dir.hpp"
#include "support/wait_for.hpp"

using namespace streamll;
using streamll::testing::RedisServer;
using streamll::testing::open_store;
using streamll::testing::TempDir;
using streamll::testing::wait_for;

namespace {

std::vector<Event> some_events(testing::EventGenerator& gen, size_t n) {
  std::vector<Event> out;
  for (size_t i = 0; i < n; ++i) out.push_back(gen.event());
  return out;
}

struct Entry {
  std::string id;
  std::string field;
  std::string value;
};

// Every entry of `stream`, oldest first.
std::vector<Entry> read_stream(redis::Connection& conn, const std::string& stream) {
  redis::Reply reply;
  REQUIRE(conn.command({"XRANGE", stream, "-", "+"}, &reply).ok());
  REQUIRE(reply.type == redis::Reply::Type::kArray);
  std::vector<Entry> out;
  for (const auto& e : reply.elements) {
    REQUIRE(e.elements.size() == 2);
    REQUIRE(e.elements[1].elements.size() == 2);
    out.push_back({e.elements[0].str, e.elements[1].elements[0].str, e.elements[1].elements[1].str});
  }
  return out;
}

// event_id -> how many entries carry it.
std::map<std::string, int> id_counts(const std::vector<Entry>& entries) {
  std::map<std::string, int> out;
  for (const auto& e : entries) {
    Event event;
    INFO(e.value);
    REQUIRE(event_from_json(e.value, &event).ok());
    ++out[event.event_id];
  }
  return out;
}

std::map<std::string, int> store_ids(const Store& store) {
  std::map<std::string, int> out;
  for (auto it = store.scan_arrival(); it->valid(); it->next()) ++out[std::string(it->view().event_id)];
  return out;
}

ReplicateOptions options_for(const RedisServer& redis) {
  ReplicateOptions o;
  o.redis.url = redis.url();
  o.retry.backoff_min = std::chrono::milliseconds(10);
  o.retry.backoff_max = std::chrono::milliseconds(100);
  o.retry.recovery_timeout = std::chrono::milliseconds(200);
  return o;
}

}  // namespace

TEST_CASE("replicate ships each event once, in arrival order, in upstream's format", "[replicate][redis]") {
  RedisServer redis;
  TempDir dir;
  testing::EventGenerator gen(1);
  auto store = open_store(dir / "db");
  const auto events = some_events(gen, 1234);
  REQUIRE(store->append(events).ok());

  std::unique_ptr<Replicator> replicator;
  ReplicateOptions options = options_for(redis);
  options.batch_size = 100;
  REQUIRE(Replicator::create(store.get(), options, &replicator).ok());
  REQUIRE(replicator->sync().ok());
  CHECK(replicator->stats().shipped == 1234);
  CHECK(replicator->stats().batches == 13);
  CHECK(replicator->stats().checkpoint == 1234);

  auto conn = redis.connect();
  auto entries = read_stream(*conn, "streamll_events");
  REQUIRE(entries.size() == 1234);
  for (size_t i = 0; i < entries.size(); ++i) {
    CHECK(entries[i].field == "message");
    Event got;
    REQUIRE(event_from_json(entries[i].value, &got).ok());
    CHECK(got == events[i]);  // arrival order, every field
  }

  // Again: nothing new, nothing shipped twice, also through a new replicator.
  REQUIRE(replicator->sync().ok());
  std::unique_ptr<Replicator> second;
  REQUIRE(Replicator::create(store.get(), options, &second).ok());
  REQUIRE(second->sync().ok());
  CHECK(second->stats().shipped == 0);
  REQUIRE(store->append(some_events(gen, 7)).ok());
  REQUIRE(second->sync().ok());
  CHECK(second->stats().shipped == 7);
  entries = read_stream(*conn, "streamll_events");
  CHECK(entries.size() == 1241);
  CHECK(id_counts(entries) == store_ids(*store));
}

TEST_CASE("a store restored from an older copy is refused, not silently skipped; shipping it again works",
          "[replicate][redis]") {
  RedisServer redis;
  TempDir dir;
  testing::EventGenerator gen(2);
  {
    auto store = open_store(dir / "db");
    REQUIRE(store->append(some_events(gen, 100)).ok());
  }
  std::filesystem::copy(dir / "db", dir / "backup", std::filesystem::copy_options::recursive);
  const ReplicateOptions options = options_for(redis);
  {
    auto store = open_store(dir / "db");
    REQUIRE(store->append(some_events(gen, 200)).ok());
    std::unique_ptr<Replicator> replicator;
    REQUIRE(Replicator::create(store.get(), options, &replicator).ok());
    REQUIRE(replicator->sync().ok());
    CHECK(replicator->stats().checkpoint == 300);
  }
  // The backup comes back, and the application writes on: fewer events than
  // were shipped, then other events at seqs that were shipped.
  std::filesystem::remove_all(dir / "db");
  std::filesystem::rename(dir / "backup", dir / "db");
  auto store = open_store(dir / "db");
  REQUIRE(store->append(some_events(gen, 50)).ok());
  std::unique_ptr<Replicator> replicator;
  REQUIRE(Replicator::create(store.get(), options, &replicator).ok());
  Status s = replicator->sync();
  INFO(s.to_string());
  CHECK(s.is_corruption());
  CHECK(s.message().find("says events through seq 300 were shipped, but this store ends at seq 150") !=
        std::string::npos);
  REQUIRE(store->append(some_events(gen, 200)).ok());
  s = replicator->sync();
  INFO(s.to_string());
  CHECK(s.is_corruption());
  CHECK(s.message().find("at seq 300, but this store holds") != std::string::npos);
  CHECK(replicator->stats().shipped == 0);
  auto conn = redis.connect();
  CHECK(read_stream(*conn, "streamll_events").size() == 300);
  // Deleting the checkpoint, as the message says, ships the store whole.
  const size_t quote = s.message().find("DEL '");
  REQUIRE(quote != std::string::npos);
  const std::string key = s.message().substr(quote + 5, s.message().size() - quote - 6);
  redis::Reply reply;
  REQUIRE(conn->command({"DEL", key}, &reply).ok());
  CHECK(reply.integer == 1);
  REQUIRE(Replicator::create(store.get(), options, &replicator).ok());
  REQUIRE(replicator->sync().ok());
  CHECK(replicator->stats().shipped == 350);
}

TEST_CASE("the field name, MAXLEN trimming and the database come from the options", "[replicate][redis]") {
  RedisServer redis;
  TempDir dir;
  testing::EventGenerator gen(2);
  auto store = open_store(dir / "db");
  REQUIRE(store->append(some_events(gen, 2000)).ok());
  ReplicateOptions options = options_for(redis);
  options.redis.url += "/3";
  options.redis.stream = "older";
  options.redis.field = "event";
  options.redis.maxlen = 300;
  std::unique_ptr<Replicator> replicator;
  REQUIRE(Replicator::create(store.get(), options, &replicator).ok());
  REQUIRE(replicator->sync().ok());
  CHECK(replicator->stats().shipped == 2000);
  auto conn = redis.connect();
  redis::Reply reply;
  REQUIRE(conn->command({"SELECT", "3"}, &reply).ok());
  const auto entries = read_stream(*conn, "older");
  // MAXLEN ~ trims whole nodes (100 entries by default): about 300 remain.
  CHECK(entries.size() >= 300);
  CHECK(entries.size() < 500);
  CHECK(entries.back().field == "event");
  Event last;
  REQUIRE(event_from_json(entries.back().value, &last).ok());
  Event stored;
  REQUIRE(store->get(last.event_id, &stored).ok());
  CHECK(last == stored);
}

TEST_CASE("a password-protected Redis: the URL's password works, a wrong one is a clear error", "[replicate][redis]") {
  RedisServer redis({.password = "s3cret"});
  TempDir dir;
  testing::EventGenerator gen(3);
  auto store = open_store(dir / "db");
  REQUIRE(store->append(some_events(gen, 10)).ok());
  std::unique_ptr<Replicator> replicator;
  REQUIRE(Replicator::create(store.get(), options_for(redis), &replicator).ok());
  REQUIRE(replicator->sync().ok());
  CHECK(replicator->stats().shipped == 10);

  ReplicateOptions wrong = options_for(redis);
  wrong.redis.url = "redis://:nope@127.0.0.1:" + std::to_string(redis.port());
  REQUIRE(Replicator::create(store.get(), wrong, &replicator).ok());
  Status s = replicator->sync();
  CHECK(s.is_permission_denied());
  CHECK(s.message().find("authentication failed") != std::string::npos);
  CHECK(s.message().find("nope") == std::string::npos);  // never print a password
  // Following does not retry what no retry fixes: run() ends with it.
  std::atomic<bool> stop{false};
  CHECK(replicator->run(stop).is_permission_denied());
  wrong.redis.url = "redis://127.0.0.1:" + std::to_string(redis.port());
  REQUIRE(Replicator::create(store.get(), wrong, &replicator).ok());
  s = replicator->sync();
  INFO(s.to_string());
  CHECK(s.is_permission_denied());
  CHECK(s.message().find("the server requires a password; give it in the URL: redis://:PASSWORD@127.0.0.1:") !=
        std::string::npos);
  CHECK(replicator->stats().failures == 1);
  CHECK(replicator->run(stop).is_permission_denied());
}

TEST_CASE("bad options and a key that is not a stream are clear errors that lose nothing", "[replicate][redis]") {
  TempDir dir;
  auto store = open_store(dir / "db");
  std::unique_ptr<Replicator> replicator;
  ReplicateOptions bad;
  for (const char* url : {"http://x", "redis://host:0", "redis://host:99999", "redis://host/db", "rediss://x:1"}) {
    bad.redis.url = url;
    const Status s = Replicator::create(store.get(), bad, &replicator);
    INFO(url << ": " << s.to_string());
    CHECK(!s.ok());
    CHECK(s.message().find(url) != std::string::npos);
  }
  // A bad URL's message shows where the password was, never the password.
  for (const char* url : {"redis://:hunter2@host:99999", "redis://user:hunter2@host/db", "redis://hunter2@host:0"}) {
    bad.redis.url = url;
    const Status s = Replicator::create(store.get(), bad, &replicator);
    INFO(url << ": " << s.to_string());
    CHECK(s.is_invalid_argument());
    CHECK(s.message().find("hunter2") == std::string::npos);
    CHECK(s.message().find("***@host") != std::string::npos);
  }

  RedisServer redis;
  testing::EventGenerator gen(4);
  REQUIRE(store->append(some_events(gen, 20)).ok());
  auto conn = redis.connect();
  redis::Reply reply;
  REQUIRE(conn->command({"SET", "streamll_events", "a string"}, &reply).ok());
  REQUIRE(Replicator::create(store.get(), options_for(redis), &replicator).ok());
  const Status s = replicator->sync();
  CHECK(s.message().find("WRONGTYPE the key streamll_events holds a string, not a stream") != std::string::npos);
  CHECK(replicator->stats().checkpoint == 0);
  REQUIRE(conn->command({"DEL", "streamll_events"}, &reply).ok());
  REQUIRE(replicator->sync().ok());
  CHECK(id_counts(read_stream(*conn, "streamll_events")) == store_ids(*store));
}

TEST_CASE("Redis down: the breaker opens, appends go on, replication catches up afterwards", "[replicate][redis]") {
  RedisServer redis;
  redis.stop();
  TempDir dir;
  testing::EventGenerator gen(5);
  auto store = open_store(dir / "db");
  REQUIRE(store->append(some_events(gen, 300)).ok());
  std::unique_ptr<Replicator> replicator;
  REQUIRE(Replicator::create(store.get(), options_for(redis), &replicator).ok());
  std::atomic<bool> stop{false};
  std::vector<Status> changes;
  std::mutex changes_mutex;
  std::thread runner([&] {
    replicator->run(stop, [&](const Status& s) {
      std::lock_guard<std::mutex> lock(changes_mutex);
      changes.push_back(s);
    });
  });
  CHECK(wait_for([&] { return replicator->stats().breaker == CircuitState::kOpen; }));
  CHECK(replicator->stats().last_error.find("cannot connect") != std::string::npos);
  REQUIRE(store->append(some_events(gen, 200)).ok());  // the store never notices
  redis.start();
  CHECK(wait_for([&] { return replicator->stats().checkpoint == 500; }));
  REQUIRE(store->append(some_events(gen, 50)).ok());
  CHECK(wait_for([&] { return replicator->stats().checkpoint == 550; }));
  stop = true;
  runner.join();
  CHECK(replicator->stats().breaker == CircuitState::kClosed);
  {
    std::lock_guard<std::mutex> lock(changes_mutex);
    REQUIRE(changes.size() == 2);  // failing once, then working again: one line each, not one per retry
    CHECK(!changes[0].ok());
    CHECK(changes[1].ok());
  }
  auto conn = redis.connect();
  CHECK(id_counts(read_stream(*conn, "streamll_events")) == store_ids(*store));
}

TEST_CASE("two replicators of one store never ship an event twice", "[replicate][redis]") {
  RedisServer redis;
  TempDir dir;
  testing::EventGenerator gen(6);
  auto store = open_store(dir / "db");
  REQUIRE(store->append(some_events(gen, 3000)).ok());
  ReplicateOptions options = options_for(redis);
  options.batch_size = 50;
  std::unique_ptr<Replicator> a, b;
  REQUIRE(Replicator::create(store.get(), options, &a).ok());
  REQUIRE(Replicator::create(store.get(), options, &b).ok());
  // Catch2's assertions are not thread-safe: the threads keep their results
  // for the test's thread to check.
  Status sa, sb;
  std::thread ta([&] { sa = a->sync(); });
  std::thread tb([&] { sb = b->sync(); });
  ta.join();
  tb.join();
  INFO(sa.to_string() << " / " << sb.to_string());
  CHECK(sa.ok());
  CHECK(sb.ok());
  CHECK(a->stats().shipped + b->stats().shipped == 3000);
  auto conn = redis.connect();
  CHECK(id_counts(read_stream(*conn, "streamll_events")) == store_ids(*store));
}

TEST_CASE("a replicator whose checkpoint another one moved drops its batches in flight and ships on after it",
          "[replicate][redis]") {
  RedisServer redis;
  TempDir dir;
  testing::EventGenerator gen(7);
  auto store = open_store(dir / "db");
  ReplicateOptions options = options_for(redis);
  options.batch_size = 100;  // 30 batches per round
  std::unique_ptr<Replicator> a, b;
  REQUIRE(Replicator::create(store.get(), options, &a).ok());
  REQUIRE(Replicator::create(store.get(), options, &b).ok());
  REQUIRE(store->append(some_events(gen, 3000)).ok());
  REQUIRE(b->sync().ok());  // b stays connected, believing the checkpoint is at 3000
  REQUIRE(store->append(some_events(gen, 3000)).ok());
  REQUIRE(a->sync().ok());  // a moves it to 6000
  REQUIRE(store->append(some_events(gen, 3000)).ok());
  // b's first batch expects the checkpoint at 3000: its GET finds 6000, so
  // b sends no EXEC, drops what it queued and reads on from 6000.
  REQUIRE(b->sync().ok());
  CHECK(a->stats().shipped == 3000);
  CHECK(b->stats().shipped == 6000);
  CHECK(b->stats().checkpoint == 9000);
  auto conn = redis.connect();
  const std::vector<Entry> entries = read_stream(*conn, "streamll_events");
  CHECK(entries.size() == 9000);
  CHECK(id_counts(entries) == store_ids(*store));
}

TEST_CASE("a Redis user that may not open a transaction ships nothing, and is told so", "[replicate][redis]") {
  RedisServer redis;
  TempDir dir;
  testing::EventGenerator gen(12);
  auto store = open_store(dir / "db");
  REQUIRE(store->append(some_events(gen, 50)).ok());
  auto conn = redis.connect();
  redis::Reply reply;
  REQUIRE(conn->command({"ACL", "SETUSER", "shipper", "on", ">pw", "~*", "+@all", "-multi"}, &reply).ok());
  REQUIRE(!reply.is_error());
  ReplicateOptions options = options_for(redis);
  options.redis.url = "redis://shipper:pw@127.0.0.1:" + std::to_string(redis.port());
  std::unique_ptr<Replicator> replicator;
  REQUIRE(Replicator::create(store.get(), options, &replicator).ok());
  const Status s = replicator->sync();
  INFO(s.to_string());
  CHECK(s.is_permission_denied());
  CHECK(s.message().find("NOPERM") != std::string::npos);
  // Refused when it connected, before any batch was sent: no XADD ran
  // outside a transaction.
  REQUIRE(conn->command({"XLEN", "streamll_events"}, &reply).ok());
  CHECK(reply.integer == 0);
  CHECK(replicator->stats().checkpoint == 0);
  std::atomic<bool> stop{false};
  CHECK(replicator->run(stop).is_permission_denied());  // not retried forever
}

TEST_CASE("two replicators racing on one store and stream ship every event once", "[replicate][redis]") {
  RedisServer redis;
  TempDir dir;
  testing::EventGenerator gen(11);
  auto store = open_store(dir / "db");
  ReplicateOptions options = options_for(redis);
  options.batch_size = 7;  // many small transactions, so that the two interleave at every step
  std::unique_ptr<Replicator> a, b;
  REQUIRE(Replicator::create(store.get(), options, &a).ok());
  REQUIRE(Replicator::create(store.get(), options, &b).ok());
  for (int round = 0; round < 5; ++round) {
    REQUIRE(store->append(some_events(gen, 1000)).ok());
    Status from_b;
    std::thread other([&] { from_b = b->sync(); });
    const Status from_a = a->sync();
    other.join();
    INFO(from_a.to_string() << " / " << from_b.to_string());
    REQUIRE(from_a.ok());
    REQUIRE(from_b.ok());
  }
  // Between them, each event once: a batch refused (the checkpoint moved
  // before its WATCH, or between its WATCH and its EXEC) added nothing.
  CHECK(a->stats().shipped + b->stats().shipped == 5000);
  CHECK(a->stats().checkpoint == 5000);
  CHECK(b->stats().checkpoint == 5000);
  auto conn = redis.connect();
  const std::vector<Entry> entries = read_stream(*conn, "streamll_events");
  CHECK(entries.size() == 5000);
  CHECK(id_counts(entries) == store_ids(*store));
}

TEST_CASE("kill -9 of the replicator at random moments and a Redis crash lose and duplicate nothing",
          "[replicate][redis][process]") {
  RedisServer redis;  // append-only file fsynced at every write: a kill -9 keeps what Redis acknowledged
  TempDir dir;
  const std::string path = dir / "db";
  testing::Child writer({testing::program("STREAMLL_TEST_WRITER"), path});
  REQUIRE(writer.read_line() == "open");
  const std::vector<std::string> replicate = {testing::program("STREAMLL_CLI"), "--db", path, "replicate", "--to",
                                              redis.url(), "--batch-size", "64", "--follow"};
  std::mt19937_64 rng(7);
  int written = 0;
  for (int trial = 0; trial < 8; ++trial) {
    testing::Child replicator(replicate);
    // The writer keeps appending (in another process) while the replicator
    // ships from its read-only view.
    for (int i = 0; i < 5; ++i) {
      writer.write_line("append run-" + std::to_string(trial) + " 200");
      written += 200;
      REQUIRE(writer.read_line() == "ok " + std::to_string(written));
      std::this_thread::sleep_for(std::chrono::milliseconds(rng() % 60));
    }
    if (trial == 4) {
      redis.kill();  // Redis crashes under the replicator, which retries until it is back
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      redis.start();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(rng() % 200));
    replicator.kill();
    replicator.wait();
  }
  writer.write_line("quit");
  REQUIRE(writer.wait() == 0);

  // A last run ships the rest; then the stream holds every event exactly once.
  const auto last = testing::run({testing::program("STREAMLL_CLI"), "--db", path, "replicate", "--to", redis.url()});
  INFO(last.err);
  REQUIRE(last.exit_code == 0);
  auto store = open_store(path, {.mode = StoreOptions::Mode::kReadOnlyLive});
  REQUIRE(store->last_seq() == static_cast<uint64_t>(written));
  auto conn = redis.connect();
  const auto entries = read_stream(*conn, "streamll_events");
  CHECK(entries.size() == static_cast<size_t>(written));
  CHECK(id_counts(entries) == store_ids(*store));
}

TEST_CASE("the emit runtime replicates what it stores; an unreachable Redis never holds the application up",
          "[replicate][redis][runtime]") {
  RedisServer redis;
  TempDir dir;
  RuntimeOptions options;
  options.store_path = dir / "db";
  options.replicate = options_for(redis);
  options.replicate->poll_interval = std::chrono::milliseconds(10);
  {
    Runtime runtime(options);
    REQUIRE(runtime.status().ok());
    ExecutionScope run("replicated-run");
    for (int i = 0; i < 500; ++i) emit("step", {{"i", i}});
    REQUIRE(flush());
    wait_for([] { return stats().replication->checkpoint >= 500; });
    CHECK(stats().replication->checkpoint == 500);
    for (int i = 0; i < 20; ++i) emit("late", {{"i", i}});
  }  // shutdown ships the rest, the stats event included
  auto store = open_store(dir / "db", {.mode = StoreOptions::Mode::kReadOnlyLive});
  CHECK(store->last_seq() == 521);
  auto conn = redis.connect();
  CHECK(id_counts(read_stream(*conn, "streamll_events")) == store_ids(*store));

  // Now with nothing listening: emitting, flushing and shutting down work as
  // without replication, and the failures are counted.
  options.store_path = dir / "db2";
  options.replicate->redis.url = "redis://127.0.0.1:" + std::to_string(testing::free_port());
  Runtime runtime(options);
  REQUIRE(runtime.status().ok());
  for (int i = 0; i < 2000; ++i) emit("step", {{"i", i}});
  REQUIRE(flush());
  CHECK(stats().stored == 2000);
  wait_for([] { return stats().replication->failures > 0; });
  CHECK(stats().replication->failures > 0);
  CHECK(stats().replication->checkpoint == 0);
}

TEST_CASE("RedisSink and `streamll replay --to redis://` write upstream's wire format", "[replicate][redis][process]") {
  RedisServer redis;
  TempDir dir;
  testing::EventGenerator gen(9);
  std::vector<Event> events;
  for (int i = 0; i < 700; ++i) events.push_back(gen.event("replayed", 1'756'000'000'000'000'000 + i * 1'000'000));
  {
    auto store = open_store(dir / "db");
    REQUIRE(store->append(events).ok());
  }
  const auto r = testing::run({testing::program("STREAMLL_CLI"), "--db", dir / "db", "replay", "replayed", "--max",
                               "--to", redis.url() + "/2"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  auto conn = redis.connect();
  redis::Reply reply;
  REQUIRE(conn->command({"SELECT", "2"}, &reply).ok());
  const auto entries = read_stream(*conn, "streamll_events");
  REQUIRE(entries.size() == 700);
  for (size_t i = 0; i < entries.size(); ++i) {
    Event got;
    REQUIRE(event_from_json(entries[i].value, &got).ok());
    CHECK(got == events[i]);  // in stored (time) order
  }

  // The sink alone, as an application would add it to its runtime.
  RedisSink sink(RedisTarget{.url = redis.url(), .stream = "live", .field = "event"});
  EventBatch first_three;
  for (size_t i = 0; i < 3; ++i) first_three.add(events[i]);
  REQUIRE(sink.write(first_three.views()).ok());
  const auto live = read_stream(*conn, "live");  // database 2 is still selected: nothing there
  CHECK(live.empty());
  REQUIRE(conn->command({"SELECT", "0"}, &reply).ok());
  const auto written = read_stream(*conn, "live");
  REQUIRE(written.size() == 3);
  CHECK(written[0].field == "event");

  const auto bad = testing::run({testing::program("STREAMLL_CLI"), "--db", dir / "db", "replay", "replayed", "--max",
                                 "--to", "redis://127.0.0.1:" + std::to_string(testing::free_port())});
  CHECK(bad.exit_code == 2);
  CHECK(bad.err.find("cannot connect") != std::string::npos);
}

TEST_CASE("the replicator records how far it shipped; prune keeps the rest, and replication goes on after it",
          "[replicate][redis][prune]") {
  RedisServer redis;
  TempDir dir;
  testing::EventGenerator gen(12);
  auto store = open_store(dir / "db");
  std::vector<Event> first;
  for (int i = 0; i < 300; ++i) first.push_back(gen.event("old-" + std::to_string(i % 3), 1'700'000'000'000'000'000 + i));
  REQUIRE(store->append(first).ok());
  std::unique_ptr<Replicator> replicator;
  REQUIRE(Replicator::create(store.get(), options_for(redis), &replicator).ok());
  REQUIRE(replicator->sync().ok());
  std::vector<ReplicationMark> marks;
  REQUIRE(store->replication_marks(&marks).ok());
  REQUIRE(marks.size() == 1);
  CHECK(marks[0].seq == 300);
  CHECK(marks[0].target.find("stream streamll_events") != std::string::npos);

  std::vector<Event> later;
  for (int i = 0; i < 100; ++i) later.push_back(gen.event("new", 1'700'000'001'000'000'000 + i));
  REQUIRE(store->append(later).ok());
  PruneOptions all;
  all.keep_executions = 0;
  PruneReport r;
  REQUIRE(store->prune(all, &r).ok());
  CHECK(r.executions == 3);  // shipped; "new" is not
  CHECK(r.kept_unreplicated == 1);
  // The checkpoint's event was pruned: replication resumes after it.
  REQUIRE(Replicator::create(store.get(), options_for(redis), &replicator).ok());
  REQUIRE(replicator->sync().ok());
  CHECK(replicator->stats().shipped == 100);
  auto conn = redis.connect();
  CHECK(read_stream(*conn, "streamll_events").size() == 400);
  REQUIRE(store->prune(all, &r).ok());
  CHECK(r.executions == 1);
}

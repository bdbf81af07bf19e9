#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <map>
#include <set>
#include <stdexcept>
#include <thread>

#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <fstream>

#include "emit/runtime_access.hpp"
#include "streamll/big_integer.hpp"
#include "streamll/event_json.hpp"

#include "streamll/store.hpp"
#include "streamll/streamll.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

// GCC 12 warns (-Warray-bounds) on std::invoke of a pointer to member
// function of a local object: a known false positive of its analysis.
#pragma GCC diagnostic ignored "-Warray-bounds"

using namespace streamll;
using streamll::testing::TempDir;

namespace {

RuntimeOptions options_for(const TempDir& dir) {
  RuntimeOptions o;
  o.store_path = dir / "db";
  o.record_stats = false;
  return o;
}

std::unique_ptr<Store> open_view(const std::string& path) {
  StoreOptions o;
  o.mode = StoreOptions::Mode::kReadOnlyLive;
  std::unique_ptr<Store> store;
  REQUIRE(Store::open(path, o, &store).ok());
  return store;
}

// Every stored event of the store, in arrival order, fully decoded.
std::vector<Event> stored_events(const std::string& path) {
  auto store = open_view(path);
  std::vector<Event> out;
  auto it = store->scan_arrival();
  for (; it->valid(); it->next()) {
    Event e;
    REQUIRE(to_event(it->view(), &e).ok());
    out.push_back(std::move(e));
  }
  REQUIRE(it->status().ok());
  return out;
}

// A sink that fails while `failing` is set and records what it got.
class FlakySink : public Sink {
 public:
  std::atomic<bool> failing{true};
  std::atomic<size_t> received{0};
  std::atomic<int> calls{0};
  std::string name() const override { return "flaky"; }
  Status write(std::span<const EventView> batch) override {
    ++calls;
    if (failing) return Status::io_error("flaky sink is down");
    received += batch.size();
    return Status::ok_status();
  }
};

}  // namespace

TEST_CASE("with no runtime, emit is a no-op that returns false", "[emit]") {
  shutdown();
  CHECK_FALSE(emit("nothing.here", {{"a", 1}}));
  CHECK_FALSE(emit_event(Event{}));
  CHECK_FALSE(flush(std::chrono::milliseconds(10)));
  CHECK(stats().emitted == 0);
}

TEST_CASE("a second runtime in the same process is refused", "[emit]") {
  TempDir dir;
  Runtime first(options_for(dir));
  REQUIRE(first.status().ok());
  TempDir other;
  Runtime second(options_for(other));
  CHECK(second.status().is_invalid_argument());
  CHECK(emit("still.works"));
}

TEST_CASE("exactly N events stored from 8 threads, each thread's order kept", "[emit][threads]") {
  TempDir dir;
  constexpr int kThreads = 8;
  constexpr int kPerThread = 100'000;
  {
    RuntimeOptions o = options_for(dir);
    o.buffer_size = 8192;
    o.batch_size = 1000;
    Runtime runtime(o);
    REQUIRE(runtime.status().ok());
    ExecutionScope run("many-threads");
    const Context ctx = capture_context();
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([t, ctx] {
        ContextScope adopt(ctx);
        for (int i = 0; i < kPerThread; ++i) emit("load.tick", {{"t", t}, {"i", i}});
      });
    }
    for (auto& th : threads) th.join();
    REQUIRE(flush());
    const RuntimeStats s = stats();
    CHECK(s.emitted == kThreads * kPerThread);
    CHECK(s.stored == kThreads * kPerThread);
    CHECK(s.dropped == 0);
  }
  auto store = open_view(dir / "db");
  ExecutionSummary summary;
  REQUIRE(store->get_execution("many-threads", &summary).ok());
  CHECK(summary.event_count == kThreads * kPerThread);
  std::vector<int> next(kThreads, 0);
  size_t out_of_order = 0, seen = 0;
  auto it = store->scan_arrival();
  for (; it->valid(); it->next(), ++seen) {
    const Json data = Json::parse(it->view().data_json);
    const int t = data["t"], i = data["i"];
    if (i != next[t]) ++out_of_order;
    next[t] = i + 1;
  }
  REQUIRE(it->status().ok());
  CHECK(seen == kThreads * kPerThread);
  CHECK(out_of_order == 0);
}

TEST_CASE("emitted events get ids of 12 characters that increase on a thread; given ids are kept", "[emit]") {
  TempDir dir;
  {
    Runtime runtime(options_for(dir));
    REQUIRE(runtime.status().ok());
    ExecutionScope run("ids");
    for (int i = 0; i < 40; ++i) REQUIRE(emit("id.tick", {{"i", i}}));
    // A timestamp of the caller's, long ago: the id is still fresh and
    // still after the ones before it (ids follow emission, not timestamps).
    Event stamped;
    stamped.event_type = "id.stamped";
    stamped.timestamp = 86'400'000'000'000;
    REQUIRE(emit_event(std::move(stamped)));
    Event given;
    given.event_id = "given-id";
    given.event_type = "id.given";
    REQUIRE(emit_event(std::move(given)));
    REQUIRE(emit("id.tick", {{"i", 40}}));
    REQUIRE(flush());
  }
  const std::vector<Event> events = stored_events(dir / "db");
  REQUIRE(events.size() == 43);
  std::vector<std::string> fresh;
  for (const Event& e : events) {
    if (e.event_type == "id.given") {
      CHECK(e.event_id == "given-id");
      continue;
    }
    CHECK(e.event_id.size() == 12);
    CHECK(e.event_id.find_first_not_of(
              "-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz") == std::string::npos);
    fresh.push_back(e.event_id);
  }
  CHECK(events[40].event_type == "id.stamped");
  CHECK(events[40].timestamp == 86'400'000'000'000);
  CHECK(std::is_sorted(fresh.begin(), fresh.end()));
  CHECK(std::adjacent_find(fresh.begin(), fresh.end()) == fresh.end());
}

TEST_CASE("overflow policies drop what they say and count it", "[emit][overflow]") {
  TempDir dir;
  RuntimeOptions o = options_for(dir);
  o.buffer_size = 16;
  o.batch_size = 8;
  constexpr int kBurst = 200'000;
  ExecutionScope run("burst");

  SECTION("block loses nothing") {
    o.overflow = OverflowPolicy::kBlock;
    {
      Runtime runtime(o);
      for (int i = 0; i < kBurst; ++i) REQUIRE(emit("burst.tick", {{"i", i}}));
      REQUIRE(flush());
      CHECK(stats().dropped == 0);
      CHECK(stats().stored == kBurst);
    }
    CHECK(stored_events(dir / "db").size() == kBurst);
  }

  SECTION("drop_newest keeps the queued ones and counts the rest") {
    o.overflow = OverflowPolicy::kDropNewest;
    int accepted = 0;
    RuntimeStats s;
    {
      Runtime runtime(o);
      for (int i = 0; i < kBurst; ++i) accepted += emit("burst.tick", {{"i", i}});
      REQUIRE(flush());
      s = stats();
    }
    CHECK(s.dropped > 0);
    CHECK(s.emitted + s.dropped == kBurst);
    CHECK(s.emitted == static_cast<uint64_t>(accepted));
    CHECK(s.stored == s.emitted);
    const auto events = stored_events(dir / "db");
    CHECK(events.size() == s.stored);
    CHECK(events.front().data["i"] == 0);  // the oldest are the ones kept
  }

  SECTION("drop_oldest keeps the newest and counts the rest") {
    o.overflow = OverflowPolicy::kDropOldest;
    RuntimeStats s;
    {
      Runtime runtime(o);
      for (int i = 0; i < kBurst; ++i) REQUIRE(emit("burst.tick", {{"i", i}}));
      REQUIRE(flush());
      s = stats();
    }
    CHECK(s.dropped > 0);
    CHECK(s.emitted == kBurst);
    CHECK(s.stored + s.dropped == kBurst);
    const auto events = stored_events(dir / "db");
    CHECK(events.size() == s.stored);
    CHECK(events.back().data["i"] == kBurst - 1);  // the newest always survives
  }
}

TEST_CASE("flush returns once everything emitted before it is stored", "[emit][flush]") {
  TempDir dir;
  RuntimeOptions o = options_for(dir);
  o.flush_interval = std::chrono::seconds(30);  // flush must not wait for the timer
  Runtime runtime(o);
  ExecutionScope run("flushed");
  for (int i = 0; i < 37; ++i) emit("step", {{"i", i}});
  const auto before = std::chrono::steady_clock::now();
  REQUIRE(flush(std::chrono::seconds(10)));
  CHECK(std::chrono::steady_clock::now() - before < std::chrono::seconds(10));
  auto view = open_view(dir / "db");
  ExecutionSummary s;
  REQUIRE(view->get_execution("flushed", &s).ok());
  CHECK(s.event_count == 37);
}

TEST_CASE("a child that emits and exits normally has stored every event", "[emit][process]") {
  TempDir dir;
  const auto r = testing::run({testing::program("STREAMLL_TEST_EMITTER"), dir / "db", "25000"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  auto store = open_view(dir / "db");
  ExecutionSummary s;
  REQUIRE(store->get_execution("child-run", &s).ok());
  CHECK(s.event_count == 25000);
  std::vector<ExecutionSummary> all;
  REQUIRE(store->list_executions(&all).ok());
  bool has_stats = false;
  EventFilter stats_only;
  stats_only.event_type = "streamll.stats";
  for (auto it = store->scan(stats_only); it->valid(); it->next()) {
    const Json data = Json::parse(it->view().data_json);
    CHECK(data["stored"] == 25000);
    CHECK(data["dropped"] == 0);
    has_stats = true;
  }
  CHECK(has_stats);
}

TEST_CASE("execution scopes nest, restore, and stay on their thread", "[emit][context]") {
  CHECK_FALSE(has_execution_id());
  const std::string a = get_execution_id(), b = get_execution_id();
  CHECK(a.size() == 32);
  CHECK(a.find_first_not_of("0123456789abcdef") == std::string::npos);
  CHECK(a != b);  // no scope: a new execution each time, as upstream
  {
    ExecutionScope outer("outer");
    CHECK(get_execution_id() == "outer");
    {
      ExecutionScope inner("inner");
      CHECK(get_execution_id() == "inner");
      std::string seen_elsewhere;
      std::thread([&] { seen_elsewhere = has_execution_id() ? get_execution_id() : "none"; }).join();
      CHECK(seen_elsewhere == "none");
      const Context ctx = capture_context();
      std::thread([&] {
        ContextScope adopt(ctx);
        seen_elsewhere = get_execution_id();
      }).join();
      CHECK(seen_elsewhere == "inner");
    }
    CHECK(get_execution_id() == "outer");
  }
  CHECK_FALSE(has_execution_id());
}

TEST_CASE("queued events keep their scope's execution id after the scope and its thread have ended", "[emit][context]") {
  // The scope's id string is shared with the queued events and counted in
  // bulk: scopes of 1 to 200 events, some ending before the writer takes
  // their events, some ending with references taken but not handed out.
  // (Under ASan a string freed too early or never freed fails this.)
  // With a queue of 64 that drops its oldest events, the emitting threads
  // also drop references of other threads' scopes.
  const bool dropping = GENERATE(false, true);
  TempDir dir;
  constexpr int kThreads = 4;
  constexpr int kScopes = 300;
  std::map<std::string, int> expected;  // execution id -> events
  RuntimeStats stats_at_end;
  {
    RuntimeOptions o = options_for(dir);
    if (dropping) {
      o.buffer_size = 64;
      o.overflow = OverflowPolicy::kDropOldest;
    }
    Runtime runtime(o);
    REQUIRE(runtime.status().ok());
    std::vector<std::thread> threads;
    std::vector<std::map<std::string, int>> per_thread(kThreads);
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([t, &per_thread] {
        for (int s = 0; s < kScopes; ++s) {
          const std::string id = fmt::format("scope-{}-{}", t, s);
          const int n = 1 + (s * 37 + t * 11) % 200;
          ExecutionScope scope(id);
          for (int i = 0; i < n; ++i) emit("scope.tick", {{"scope", id}, {"i", i}});
          per_thread[t][id] = n;
        }
      });
    }
    for (auto& th : threads) th.join();
    REQUIRE(flush());
    stats_at_end = stats();
    for (const auto& m : per_thread) expected.insert(m.begin(), m.end());
  }
  std::map<std::string, int> seen;
  size_t mismatched = 0, stored = 0;
  for (const Event& e : stored_events(dir / "db")) {
    if (e.event_type != "scope.tick") continue;
    if (e.data["scope"] != e.execution_id) ++mismatched;
    ++seen[e.execution_id];
    ++stored;
  }
  CHECK(mismatched == 0);
  CHECK(stored == stats_at_end.stored);
  CHECK(stats_at_end.stored + stats_at_end.dropped == stats_at_end.emitted);
  if (!dropping) {
    CHECK(seen == expected);
  } else {
    CHECK(stats_at_end.dropped > 0);
    for (const auto& [id, n] : seen) CHECK(n <= expected[id]);
  }
}

TEST_CASE("instrument scopes emit start, end and error, and rethrow", "[emit][instrument]") {
  TempDir dir;
  {
    Runtime runtime(options_for(dir));
    ExecutionScope run("instrumented");
    set_context("user", "u1");
    {
      auto scope = trace("retrieve", "RAGPipeline", {{"k", 3}});
      scope.emit("rag.progress", {{"docs", 2}});
      {
        Instrument nested("rerank", "Reranker");
        CHECK(nested.execution_id() == "instrumented");
      }
    }
    auto failing = instrument("generate", "Generator", [](int x) -> int {
      if (x > 0) throw std::runtime_error("model timed out");
      return x;
    });
    CHECK(failing(0) == 0);
    CHECK_THROWS_WITH(failing(1), "model timed out");
    struct Rag {
      int factor = 2;
      int forward(int q) { return q * factor; }
    } rag;
    CHECK(instrument("forward", "Rag", &Rag::forward)(rag, 21) == 42);
    clear_context();
    REQUIRE(flush());
  }
  std::vector<std::string> types;
  std::map<std::string, Json> by_type_op;
  for (const Event& e : stored_events(dir / "db")) {
    CHECK(e.execution_id == "instrumented");
    types.push_back(e.event_type + ":" + e.operation.value_or("-"));
    by_type_op[e.event_type + ":" + e.operation.value_or("-")] = e.data;
    CHECK(e.data["user"] == "u1");
    if (e.operation) {
      CHECK(e.method_name == *e.operation);
    }
  }
  const std::vector<std::string> expected = {
      "start:retrieve", "rag.progress:retrieve", "start:rerank",  "end:rerank",   "end:retrieve",
      "start:generate", "end:generate",          "start:generate", "error:generate", "start:forward",
      "end:forward"};
  CHECK(types == expected);
  CHECK(by_type_op["start:retrieve"]["k"] == 3);
  CHECK(by_type_op["start:retrieve"]["stage"] == "start");
  CHECK(by_type_op["rag.progress:retrieve"]["docs"] == 2);
  CHECK(by_type_op["end:retrieve"]["duration_seconds"].get<double>() >= 0);
  const Json& error = by_type_op["error:generate"];
  CHECK(error["error_type"] == "std::runtime_error");
  CHECK(error["error_message"] == "model timed out");
  CHECK(error["stage"] == "error");
  CHECK(error.contains("duration_seconds"));
}

TEST_CASE("an exception through a bare scope still ends it with an error event", "[emit][instrument]") {
  TempDir dir;
  {
    Runtime runtime(options_for(dir));
    try {
      Instrument scope("bare");
      throw 42;
    } catch (int) {
    }
    REQUIRE(flush());
  }
  const auto events = stored_events(dir / "db");
  REQUIRE(events.size() == 2);
  CHECK(events[1].event_type == "error");
  CHECK(events[1].data["error_type"] == "unknown");
  CHECK(events[0].execution_id == events[1].execution_id);  // the scope opened its own execution
}

TEST_CASE("secret keys are redacted at any depth before storage", "[emit][redact]") {
  TempDir dir;
  {
    Runtime runtime(options_for(dir));
    emit("llm.call", {{"model", "m"},
                      {"API_KEY", "sk-1"},
                      {"request", {{"headers", {{"Authorization", "Bearer x"}}}, {"body", "ok"}}},
                      {"list", Json::array({{{"password", "p"}}, 3})}});
    REQUIRE(flush());
  }
  const auto events = stored_events(dir / "db");
  REQUIRE(events.size() == 1);
  const Json& d = events[0].data;
  CHECK(d["model"] == "m");
  CHECK(d["API_KEY"] == "[REDACTED]");
  CHECK(d["request"]["headers"]["Authorization"] == "[REDACTED]");
  CHECK(d["request"]["body"] == "ok");
  CHECK(d["list"][0]["password"] == "[REDACTED]");
  CHECK(d["list"][1] == 3);
}

std::string encoded_data(int i) { return fmt::format(R"({{"i":{},"f":0.5,"s":"é"}})", i); }

TEST_CASE("events whose data comes as JSON text are stored as that text, from several threads", "[emit][encoded]") {
  // The Python binding's path: the caller wrote data's text already; the
  // writer validates the envelope, redacts through a parse, stores the text.
  TempDir dir;
  RuntimeOptions o = options_for(dir);
  {
    Runtime runtime(o);
    std::atomic<int> queued{0};  // Catch2's assertions are not for other threads
    std::vector<std::thread> threads;
    for (int t = 0; t < 2; ++t) {
      threads.emplace_back([t, &queued] {
        ExecutionScope run(fmt::format("encoded-{}", t));
        for (int i = 0; i < 500; ++i) {
          if (detail::emit_encoded(Event{.event_type = "py.tick"}, encoded_data(i))) ++queued;
        }
      });
    }
    for (auto& th : threads) th.join();
    CHECK(queued == 1000);
    Event nameless;  // an empty event_type: refused by the writer, counted
    CHECK(detail::emit_encoded(std::move(nameless), "{}"));
    // This thread's C++ context goes beneath the text's keys.
    set_context("user", "u1");
    set_context("i", 0);
    CHECK(detail::emit_encoded(Event{.execution_id = "ctx", .event_type = "py.ctx"}, R"({"i":7})"));
    clear_context();
    REQUIRE(flush());
    CHECK(stats().stored == 1001);
    CHECK(stats().invalid == 1);
  }
  std::unique_ptr<Store> store;
  REQUIRE(Store::open(dir / "db", StoreOptions{}, &store).ok());
  for (int t = 0; t < 2; ++t) {
    auto it = store->scan_execution(fmt::format("encoded-{}", t));
    int i = 0;
    for (; it->valid(); it->next(), ++i) CHECK(it->view().data_json == encoded_data(i));
    REQUIRE(it->status().ok());
    CHECK(i == 500);
  }
  auto it = store->scan_execution("ctx");
  REQUIRE(it->valid());
  CHECK(it->view().data_json == R"({"user":"u1","i":7})");

  // With a secret key in it (any case), the text is parsed, redacted and
  // written again.
  TempDir redacted;
  RuntimeOptions r = options_for(redacted);
  {
    Runtime runtime(r);
    CHECK(detail::emit_encoded(Event{.execution_id = "r", .event_type = "llm.call"},
                               R"({"model":"m","nested":{"API_KEY":"sk-1"}})"));
    // A secret's name in a value only: parsed, nothing to redact.
    CHECK(detail::emit_encoded(Event{.execution_id = "r", .event_type = "note"}, R"({"note":"Password reset"})"));
    REQUIRE(flush());
  }
  const auto events = stored_events(redacted / "db");
  REQUIRE(events.size() == 2);
  CHECK(events[0].data == Json{{"model", "m"}, {"nested", {{"API_KEY", "[REDACTED]"}}}});
  CHECK(events[1].data == Json{{"note", "Password reset"}});
}

TEST_CASE("type filters allow and deny with prefix wildcards", "[emit][filter]") {
  TempDir dir;
  RuntimeOptions o = options_for(dir);
  o.allow_types = {"rag.*", "start"};
  o.deny_types = {"rag.debug.*"};
  {
    Runtime runtime(o);
    CHECK(emit("rag.retrieval.start"));
    CHECK(emit("start"));
    CHECK_FALSE(emit("rag.debug.dump"));
    CHECK_FALSE(emit("llm.call"));
    CHECK_FALSE(emit(""));
    REQUIRE(flush());
    CHECK(stats().filtered == 3);
  }
  CHECK(stored_events(dir / "db").size() == 2);
}

TEST_CASE("invalid events are refused by the writer and counted, never stored; their batch-mates are", "[emit]") {
  TempDir dir;
  RuntimeOptions o = options_for(dir);
  Runtime runtime(o);
  ExecutionScope run("mixed");
  Event bad;
  bad.event_type = "x";
  bad.data = Json::array({1});
  emit_event(bad);
  CHECK(emit("good.one", {{"n", 1}}));
  bad.data = Json::object();
  bad.execution_id = std::string("a\0b", 3);
  emit_event(bad);
  bad.execution_id.clear();
  bad.event_type.clear();
  emit_event(bad);
  CHECK(emit("good.two", {{"n", 2}}));
  REQUIRE(flush());
  const RuntimeStats s = stats();
  CHECK(s.invalid == 3);
  CHECK(s.stored == 2);
  CHECK(s.emitted == 2);  // stored + store_lost + dropped
  CHECK(s.store_failures == 0);
}

TEST_CASE("a failing sink opens its breaker; the store gets everything; the sink recovers", "[emit][sink]") {
  TempDir dir;
  auto sink = std::make_shared<FlakySink>();
  RuntimeOptions o = options_for(dir);
  o.sinks = {sink};
  o.batch_size = 10;
  o.sink_options.failure_threshold = 3;
  o.sink_options.recovery_timeout = std::chrono::milliseconds(200);
  Runtime runtime(o);
  ExecutionScope run("sinks");
  const auto emit_batch = [] {
    for (int i = 0; i < 10; ++i) emit("tick", {{"i", i}});
    REQUIRE(flush());
  };
  for (int b = 0; b < 6; ++b) emit_batch();
  RuntimeStats s = stats();
  REQUIRE(s.sinks.size() == 1);
  CHECK(s.sinks[0].state == CircuitState::kOpen);
  CHECK(s.sinks[0].failures == 3);  // the breaker stopped calling after the third failure
  CHECK(sink->calls == 3);
  CHECK(s.sinks[0].missed == 60);
  CHECK(s.stored == 60);  // the store never noticed

  sink->failing = false;
  std::this_thread::sleep_for(std::chrono::milliseconds(250));
  emit_batch();  // the half-open probe succeeds
  emit_batch();
  s = stats();
  CHECK(s.sinks[0].state == CircuitState::kClosed);
  CHECK(s.sinks[0].delivered == 20);
  CHECK(sink->received == 20);
  CHECK(s.stored == 80);
}

TEST_CASE("a stalled sink holds up neither the emitter nor the store; its misses are counted", "[emit][sink]") {
  // The sink stalls in its first write until the test releases it.
  struct StalledSink : Sink {
    std::atomic<bool> released{false};
    std::string name() const override { return "stalled"; }
    Status write(std::span<const EventView>) override {
      while (!released) std::this_thread::sleep_for(std::chrono::milliseconds(1));
      return Status::ok_status();
    }
  };
  TempDir dir;
  auto sink = std::make_shared<StalledSink>();
  RuntimeOptions o = options_for(dir);
  o.sinks = {sink};
  o.batch_size = 100;
  o.sink_options.buffer_batches = 2;
  {
    Runtime runtime(o);
    for (int i = 0; i < 5000; ++i) REQUIRE(emit("tick", {{"i", i}}));
    // Everything reaches the store while the sink is still stuck.
    while (stats().stored < 5000) std::this_thread::sleep_for(std::chrono::milliseconds(2));
    const RuntimeStats s = stats();
    CHECK(s.sinks[0].delivered == 0);
    CHECK(s.sinks[0].missed >= 5000 - 3 * 100);  // all but the batch in write() and the 2 buffered
    sink->released = true;
  }
  CHECK(stored_events(dir / "db").size() == 5000);
}

TEST_CASE("a JSONL sink writes upstream's format", "[emit][sink]") {
  TempDir dir;
  const std::string file = dir / "events.jsonl";
  {
    RuntimeOptions o = options_for(dir);
    o.sinks = {std::make_shared<JsonlSink>(file)};
    Runtime runtime(o);
    ExecutionScope run("jsonl");
    emit("a", {{"n", 1}});
    Json data = {{"n", 2}};
    REQUIRE(json_integer("-123456789012345678901234567890", &data["big"]).ok());
    emit("b", data);
  }
  std::ifstream in(file);
  std::vector<Event> events;
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    Event e;
    REQUIRE(event_from_json(line, &e).ok());
    events.push_back(e);
    lines.push_back(line);
  }
  REQUIRE(events.size() == 2);
  CHECK(events[0].event_type == "a");
  CHECK(events[1].data["n"] == 2);
  CHECK(events[1].execution_id == "jsonl");
  // An integer beyond 64 bits keeps its digits, in the sink's file and the store.
  CHECK(lines[1].find(R"("data":{"n":2,"big":-123456789012345678901234567890})") != std::string::npos);
  CHECK(big_integer_digits(events[1].data["big"]) == "-123456789012345678901234567890");
  Event stored;
  REQUIRE(open_view(dir / "db")->get(events[1].event_id, &stored).ok());
  CHECK(stored == events[1]);
}

TEST_CASE("sinks read the text the store holds: each event is encoded once, redacted, for all", "[emit][sink]") {
  // Records what each delivery saw: the text, and where that text lives.
  struct Recorder : Sink {
    std::mutex mu;
    std::map<std::string, std::pair<std::string, const char*>> seen;  // event_id -> (data_json, its address)
    std::string name() const override { return "recorder"; }
    Status write(std::span<const EventView> batch) override {
      std::lock_guard<std::mutex> lock(mu);
      for (const EventView& v : batch) seen[std::string(v.event_id)] = {std::string(v.data_json), v.data_json.data()};
      return Status::ok_status();
    }
  };
  TempDir dir;
  auto a = std::make_shared<Recorder>();
  auto b = std::make_shared<Recorder>();
  {
    RuntimeOptions o = options_for(dir);
    o.sinks = {a, b};
    Runtime runtime(o);
    ExecutionScope run("once");
    for (int i = 0; i < 300; ++i) emit("step", {{"i", i}, {"api_key", "sk-secret"}, {"text", "caf\u00e9"}});
  }
  auto store = open_view(dir / "db");
  size_t stored = 0;
  for (auto it = store->scan_execution("once"); it->valid(); it->next(), ++stored) {
    const EventView& v = it->view();
    const std::string id(v.event_id);
    REQUIRE(a->seen.count(id) == 1);
    REQUIRE(b->seen.count(id) == 1);
    CHECK(a->seen[id].first == v.data_json);  // byte for byte what the store holds
    CHECK(a->seen[id].first.find("sk-secret") == std::string::npos);
    // Both sinks were handed the same encoding, not one each.
    CHECK(a->seen[id].second == b->seen[id].second);
  }
  CHECK(stored == 300);
}

TEST_CASE("set_sinks replaces the sinks of a running runtime; the old ones deliver what they hold", "[emit][sink]") {
  TempDir dir;
  auto first = std::make_shared<FlakySink>();
  auto second = std::make_shared<FlakySink>();
  first->failing = false;
  second->failing = false;
  CHECK(set_sinks({first}).code() == Status::Code::kNotSupported);  // no runtime yet
  RuntimeOptions o = options_for(dir);
  o.sinks = {first};
  Runtime runtime(o);
  ExecutionScope run("swap");
  for (int i = 0; i < 30; ++i) emit("before", {{"i", i}});
  // Not flushed: what the writer has not handed to `first` yet goes to `second`.
  REQUIRE(set_sinks({second}).ok());
  for (int i = 0; i < 20; ++i) emit("after", {{"i", i}});
  REQUIRE(flush());
  const RuntimeStats s = stats();
  REQUIRE(s.sinks.size() == 1);
  CHECK(s.sinks[0].name == "flaky");
  CHECK(first->received + second->received == 50);  // every event reached exactly one of them
  CHECK(second->received >= 20);
  CHECK(s.stored == 50);
  REQUIRE(set_sinks({}).ok());
  emit("none", {});
  REQUIRE(flush());
  CHECK(stats().sinks.empty());
  CHECK(first->received + second->received == 50);
}

TEST_CASE("a forked child does not use its parent's runtime; the parent's events are all stored", "[emit][process]") {
  TempDir dir;
  Runtime runtime(options_for(dir));
  ExecutionScope run("fork");
  for (int i = 0; i < 10; ++i) emit("parent", {{"i", i}});
  CHECK_FALSE(forked_from_runtime());
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    // The child: no writer thread exists here; emit must not queue (it would
    // block forever under kBlock), flush must not wait.
    const bool queued = emit("child", {});
    const bool flushed = flush(std::chrono::milliseconds(100));
    _exit(forked_from_runtime() && !queued && !flushed ? 0 : 1);
  }
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  for (int i = 10; i < 20; ++i) emit("parent", {{"i", i}});
  REQUIRE(flush());
  size_t parents = 0;
  for (const Event& e : stored_events(dir / "db")) {
    CHECK(e.event_type != "child");
    parents += e.event_type == "parent";
  }
  CHECK(parents == 20);
}

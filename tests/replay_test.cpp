#include "streamll/replay.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <limits>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "support/event_gen.hpp"
#include "support/open_store.hpp"
#include "support/temp_dir.hpp"

using namespace streamll;
using streamll::testing::TempDir;
using Clock = std::chrono::steady_clock;

using streamll::testing::open_store;

namespace {

constexpr int64_t kBase = 1'756'000'000'000'000'000;  // 2025-08-24
constexpr int64_t kMs = 1'000'000;
constexpr int64_t kHour = 3'600'000 * kMs;

// Events of `execution_id` at base + each offset, appended in the order given.
std::vector<Event> events_at(testing::EventGenerator& gen, const std::string& execution_id,
                             const std::vector<int64_t>& offsets_ns) {
  std::vector<Event> out;
  for (int64_t offset : offsets_ns) out.push_back(gen.event(execution_id, kBase + offset));
  return out;
}

struct Delivery {
  std::string event_id;
  int64_t timestamp;
  uint64_t seq;
  Clock::time_point at;
};

// Replays into a vector of what arrived and when.
Status replay_into(const Store& store, const std::string& execution_id, const ReplayOptions& options,
                   std::vector<Delivery>* out, ReplayStats* stats = nullptr) {
  return replay(store, execution_id, options,
                [&](const EventView& e) {
                  out->push_back({std::string(e.event_id), e.timestamp, e.seq, Clock::now()});
                  return Status::ok_status();
                },
                stats);
}

ReplayOptions fast() {
  ReplayOptions o;
  o.as_fast_as_possible = true;
  return o;
}

double seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

}  // namespace

TEST_CASE("replay delivers one execution's events in time order, ties in arrival order", "[replay]") {
  TempDir dir;
  auto store = open_store(dir / "db");
  testing::EventGenerator gen(1);
  // Appended out of time order, with ties, interleaved with another execution.
  std::vector<Event> mine = events_at(gen, "run", {50 * kMs, 10 * kMs, 30 * kMs, 10 * kMs, 0, 30 * kMs, 20 * kMs});
  std::vector<Event> other = events_at(gen, "other", {5 * kMs, 15 * kMs, 25 * kMs});
  REQUIRE(store->append(std::span(mine).first(4)).ok());
  REQUIRE(store->append(other).ok());
  REQUIRE(store->append(std::span(mine).subspan(4)).ok());

  // Expected: by timestamp, then by the order appended (a stable sort).
  std::vector<Event> expected = mine;
  std::stable_sort(expected.begin(), expected.end(),
                   [](const Event& a, const Event& b) { return a.timestamp < b.timestamp; });

  std::vector<Delivery> got;
  ReplayStats stats;
  REQUIRE(replay_into(*store, "run", fast(), &got, &stats).ok());
  REQUIRE(got.size() == expected.size());
  for (size_t i = 0; i < got.size(); ++i) {
    INFO(i);
    CHECK(got[i].event_id == expected[i].event_id);
    CHECK(got[i].timestamp == expected[i].timestamp);
  }
  for (size_t i = 1; i < got.size(); ++i) {
    if (got[i].timestamp == got[i - 1].timestamp) CHECK(got[i].seq > got[i - 1].seq);
  }
  CHECK(stats.delivered == mine.size());
  CHECK(stats.total == mine.size());
  CHECK_FALSE(stats.cancelled);

  SECTION("a time window keeps [since, until)") {
    ReplayOptions window = fast();
    window.range = {kBase + 10 * kMs, kBase + 30 * kMs};
    std::vector<Delivery> part;
    ReplayStats part_stats;
    REQUIRE(replay_into(*store, "run", window, &part, &part_stats).ok());
    REQUIRE(part.size() == 3);  // 10, 10, 20
    CHECK(part[0].event_id == expected[1].event_id);
    CHECK(part[1].event_id == expected[2].event_id);
    CHECK(part[2].event_id == expected[3].event_id);
    CHECK(part_stats.delivered == 3);
    CHECK(part_stats.total == mine.size());  // the execution's count: an upper bound
  }

  SECTION("an empty window delivers nothing and succeeds") {
    ReplayOptions window = fast();
    window.range = {kBase + 60 * kMs, kBase + 70 * kMs};
    std::vector<Delivery> none;
    REQUIRE(replay_into(*store, "run", window, &none).ok());
    CHECK(none.empty());
  }
}

TEST_CASE("replay keeps the recorded timing, scaled by speed", "[replay][timing]") {
  TempDir dir;
  auto store = open_store(dir / "db");
  testing::EventGenerator gen(2);
  const std::vector<int64_t> offsets = {0, 100 * kMs, 150 * kMs, 300 * kMs};
  REQUIRE(store->append(events_at(gen, "run", offsets)).ok());

  for (const double speed : {1.0, 2.0}) {
    INFO("speed " << speed);
    ReplayOptions options;
    options.speed = speed;
    std::vector<Delivery> got;
    const Clock::time_point called = Clock::now();
    REQUIRE(replay_into(*store, "run", options, &got).ok());
    const double took = seconds(Clock::now() - called);
    REQUIRE(got.size() == offsets.size());
    // Never early: each event arrives no sooner than its scaled offset from
    // the call (the replay's start is at or after it).
    for (size_t i = 0; i < got.size(); ++i) {
      INFO("event " << i);
      CHECK(seconds(got[i].at - called) >= static_cast<double>(offsets[i]) / 1e9 / speed);
    }
    CHECK(took >= 0.3 / speed);
  }

  SECTION("a high speed shortens long gaps") {
    // 20 s recorded; at speed 100, 0.2 s. The upper bound only catches a
    // speed that is ignored, with a 50x margin for a noisy machine.
    REQUIRE(store->append(events_at(gen, "gappy", {0, 20'000 * kMs})).ok());
    ReplayOptions options;
    options.speed = 100;
    std::vector<Delivery> got;
    const Clock::time_point called = Clock::now();
    REQUIRE(replay_into(*store, "gappy", options, &got).ok());
    const double took = seconds(Clock::now() - called);
    CHECK(got.size() == 2);
    CHECK(took >= 0.2);
    CHECK(took < 10);
  }

  SECTION("as fast as possible ignores the timestamps") {
    // An hour of recording, replayed in (much) less than a minute.
    REQUIRE(store->append(events_at(gen, "long", {0, kHour / 2, kHour})).ok());
    std::vector<Delivery> got;
    const Clock::time_point called = Clock::now();
    REQUIRE(replay_into(*store, "long", fast(), &got).ok());
    CHECK(got.size() == 3);
    CHECK(seconds(Clock::now() - called) < 60);
  }

  SECTION("timing starts at the first event of the window") {
    REQUIRE(store->append(events_at(gen, "late", {0, kHour, kHour + 200 * kMs})).ok());
    ReplayOptions options;
    options.range.since = kBase + kHour;
    std::vector<Delivery> got;
    const Clock::time_point called = Clock::now();
    REQUIRE(replay_into(*store, "late", options, &got).ok());
    const double took = seconds(Clock::now() - called);
    REQUIRE(got.size() == 2);
    CHECK(took >= 0.2);
    CHECK(took < 60);  // not the hour before the window
  }
}

TEST_CASE("cancelling a replay from another thread stops it promptly, even in a long gap", "[replay][timing]") {
  TempDir dir;
  auto store = open_store(dir / "db");
  testing::EventGenerator gen(3);
  // A minute between the first and the second event.
  REQUIRE(store->append(events_at(gen, "run", {0, 60'000 * kMs, 60'001 * kMs})).ok());

  std::atomic<bool> cancel{false};
  std::atomic<bool> first_seen{false};
  Clock::time_point cancelled_at;
  std::thread canceller([&] {
    while (!first_seen.load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    cancelled_at = Clock::now();
    cancel.store(true);
  });
  ReplayOptions options;
  options.cancel = &cancel;
  ReplayStats stats;
  const Status s = replay(*store, "run", options,
                          [&](const EventView&) {
                            first_seen.store(true);
                            return Status::ok_status();
                          },
                          &stats);
  const Clock::time_point returned = Clock::now();
  canceller.join();
  INFO(s.to_string());
  CHECK(s.ok());
  CHECK(stats.cancelled);
  CHECK(stats.delivered == 1);
  CHECK(stats.total == 3);
  // The gap is 60 s; returning at all well before it shows the wait noticed
  // the flag (it looks every 20 ms). The bound is loose for noisy machines.
  CHECK(seconds(returned - cancelled_at) < 10);

  SECTION("a flag set before the call delivers nothing") {
    ReplayStats none;
    std::vector<Delivery> got;
    ReplayOptions at_once = fast();
    at_once.cancel = &cancel;  // still true
    REQUIRE(replay_into(*store, "run", at_once, &got, &none).ok());
    CHECK(got.empty());
    CHECK(none.cancelled);
    CHECK(none.delivered == 0);
  }
}

TEST_CASE("a failing handler stops the replay and its status is returned with context", "[replay]") {
  TempDir dir;
  auto store = open_store(dir / "db");
  testing::EventGenerator gen(4);
  const std::vector<Event> events = events_at(gen, "run", {0, 1, 2, 3, 4});
  REQUIRE(store->append(events).ok());

  size_t calls = 0;
  ReplayStats stats;
  const Status s = replay(*store, "run", fast(),
                          [&](const EventView&) {
                            return ++calls == 3 ? Status::io_error("downstream is gone") : Status::ok_status();
                          },
                          &stats);
  CHECK(s.code() == Status::Code::kIOError);
  CHECK(s.message().find("downstream is gone") != std::string::npos);
  CHECK(s.message().find("'run'") != std::string::npos);
  CHECK(s.message().find(events[2].event_id) != std::string::npos);
  CHECK(calls == 3);
  CHECK(stats.delivered == 2);
  CHECK_FALSE(stats.cancelled);
}

TEST_CASE("replay rejects an unknown execution and bad options before delivering anything", "[replay]") {
  TempDir dir;
  auto store = open_store(dir / "db");
  testing::EventGenerator gen(5);
  REQUIRE(store->append(events_at(gen, "run", {0, 1})).ok());
  size_t calls = 0;
  const ReplayHandler count = [&](const EventView&) {
    ++calls;
    return Status::ok_status();
  };

  const Status missing = replay(*store, "nope", fast(), count);
  CHECK(missing.is_not_found());
  CHECK(missing.message().find("no execution 'nope'") != std::string::npos);
  CHECK(missing.message().find(store->path()) != std::string::npos);

  for (const double speed : {0.0, -1.0, std::numeric_limits<double>::quiet_NaN()}) {
    INFO("speed " << speed);
    ReplayOptions options;
    options.speed = speed;
    const Status s = replay(*store, "run", options, count);
    CHECK(s.is_invalid_argument());
    CHECK(s.message().find("speed") != std::string::npos);
  }
  ReplayOptions negative_interval = fast();
  negative_interval.progress_interval_s = -1;
  CHECK(replay(*store, "run", negative_interval, count).is_invalid_argument());
  CHECK(replay(*store, "run", fast(), ReplayHandler()).is_invalid_argument());
  CHECK(calls == 0);
}

TEST_CASE("progress reports delivered, total and elapsed, and once at the end", "[replay]") {
  TempDir dir;
  auto store = open_store(dir / "db");
  testing::EventGenerator gen(6);
  REQUIRE(store->append(events_at(gen, "run", {0, 10 * kMs, 20 * kMs, 30 * kMs})).ok());

  std::vector<ReplayProgress> reports;
  ReplayOptions options;
  options.progress_interval_s = 0;  // after every event
  options.progress = [&](const ReplayProgress& p) { reports.push_back(p); };
  REQUIRE(replay(*store, "run", options, [](const EventView&) { return Status::ok_status(); }).ok());
  REQUIRE(reports.size() >= 5);  // one per event, one at the end
  for (size_t i = 1; i < reports.size(); ++i) {
    CHECK(reports[i].delivered >= reports[i - 1].delivered);
    CHECK(reports[i].elapsed_s >= reports[i - 1].elapsed_s);
  }
  for (const auto& p : reports) CHECK(p.total == 4);
  CHECK(reports.back().delivered == 4);
  CHECK(reports.back().elapsed_s >= 0.03);
}

TEST_CASE("sink_handler delivers events a sink can keep, every field intact", "[replay]") {
  class Collect : public Sink {
   public:
    std::string name() const override { return "collect"; }
    Status write(std::span<const EventView> batch) override {
      for (const EventView& v : batch) {
        Event e;
        if (Status s = to_event(v, &e); !s.ok()) return s;
        got.push_back(std::move(e));
      }
      return Status::ok_status();
    }
    std::vector<Event> got;
  };
  TempDir dir;
  auto store = open_store(dir / "db");
  testing::EventGenerator gen(7);
  const std::vector<Event> events = events_at(gen, "run", {0, 1, 2, 3, 4, 5, 6, 7});
  REQUIRE(store->append(events).ok());
  Collect sink;
  REQUIRE(replay(*store, "run", fast(), sink_handler(sink)).ok());
  CHECK(sink.got == events);
}

// Retention (prune), backup and stats of stores that live for months.
#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <thread>

#include <catch2/catch.hpp>

#include "streamll/store.hpp"
#include "support/event_gen.hpp"
#include "support/open_store.hpp"
#include "support/temp_dir.hpp"
#include "support/wait_for.hpp"

using namespace streamll;
using streamll::testing::open_store;
using streamll::testing::TempDir;

namespace {

constexpr int64_t kBase = 1'700'000'000'000'000'000;
constexpr int64_t kSecond = 1'000'000'000;

StoreOptions view_options() {
  StoreOptions o;
  o.mode = StoreOptions::Mode::kReadOnlyLive;
  return o;
}

// Executions "exec-0".."exec-(n-1)"; exec-i's events lie in [i, i+1) s
// after kBase, appended interleaved (so that executions share blocks).
std::vector<Event> interleaved(testing::EventGenerator& gen, int executions, int per_execution) {
  std::vector<Event> out;
  for (int k = 0; k < per_execution; ++k) {
    for (int i = 0; i < executions; ++i) {
      out.push_back(gen.event("exec-" + std::to_string(i), kBase + i * kSecond + k * 1000));
    }
  }
  return out;
}

std::set<std::string> execution_ids(const Store& store) {
  std::vector<ExecutionSummary> all;
  REQUIRE(store.list_executions(&all).ok());
  std::set<std::string> ids;
  for (const auto& e : all) ids.insert(e.execution_id);
  return ids;
}

// What a scan of every event says: per execution, its events' ids.
std::map<std::string, std::set<std::string>> events_by_execution(const Store& store) {
  std::map<std::string, std::set<std::string>> out;
  auto it = store.scan_all();
  for (; it->valid(); it->next()) out[std::string(it->view().execution_id)].insert(std::string(it->view().event_id));
  REQUIRE(it->status().ok());
  return out;
}

// The type registry equals a recount of the stored events, data keys included.
void check_types_recount(const Store& store) {
  std::map<std::string, EventTypeSummary> want;
  auto it = store.scan_all();
  for (; it->valid(); it->next()) {
    const EventView& v = it->view();
    EventTypeSummary& t = want[std::string(v.event_type)];
    t.first_ts = t.count == 0 ? v.timestamp : std::min(t.first_ts, v.timestamp);
    t.last_ts = t.count == 0 ? v.timestamp : std::max(t.last_ts, v.timestamp);
    ++t.count;
    const Json data = Json::parse(v.data_json);
    for (auto k = data.begin(); k != data.end(); ++k) t.data_keys.push_back(k.key());
  }
  REQUIRE(it->status().ok());
  std::vector<EventTypeSummary> got;
  REQUIRE(store.list_event_types(&got).ok());
  REQUIRE(got.size() == want.size());
  for (const EventTypeSummary& g : got) {
    INFO(g.event_type);
    EventTypeSummary& w = want.at(g.event_type);
    std::set<std::string> keys(w.data_keys.begin(), w.data_keys.end());
    std::vector<std::string> sorted(keys.begin(), keys.end());
    const bool truncated = sorted.size() > EventTypeSummary::kMaxDataKeys;
    if (truncated) sorted.resize(EventTypeSummary::kMaxDataKeys);
    CHECK(g.count == w.count);
    CHECK(g.first_ts == w.first_ts);
    CHECK(g.last_ts == w.last_ts);
    CHECK(g.data_keys == sorted);
    CHECK(g.data_keys_truncated == truncated);
  }
}

void require_verified(const Store& store) {
  VerifyReport report;
  const Status s = store.verify(&report);
  INFO(s.to_string());
  REQUIRE(s.ok());
}

}  // namespace

TEST_CASE("prune --before removes whole old executions from shared blocks; what stays reads whole", "[prune]") {
  TempDir dir;
  testing::EventGenerator gen(3);
  auto store = open_store(dir / "db");
  const auto events = interleaved(gen, 40, 60);  // 2,400 events, every block shared by many executions
  REQUIRE(store->append(events).ok());
  const uint64_t last = store->last_seq();
  const auto before = events_by_execution(*store);

  PruneOptions options;
  options.before = kBase + 25 * kSecond;  // exec-0 .. exec-24 end before it
  PruneReport r;
  REQUIRE(store->prune(options, &r).ok());
  CHECK(r.executions == 25);
  CHECK(r.events == 25 * 60);
  CHECK(r.bytes_after < r.bytes_before);

  const auto after = events_by_execution(*store);
  REQUIRE(after.size() == 15);
  for (int i = 25; i < 40; ++i) CHECK(after.at("exec-" + std::to_string(i)) == before.at("exec-" + std::to_string(i)));
  CHECK(execution_ids(*store).size() == 15);
  // Pruned events are gone from every path: by id, by execution, by time.
  Event e;
  CHECK(store->get(events[0].event_id, &e).code() == Status::Code::kNotFound);
  CHECK(!store->scan_execution("exec-3")->valid());
  TimeRange early;
  early.until = kBase + 25 * kSecond;
  CHECK(!store->scan_time(early)->valid());
  CHECK(store->scan_time({})->valid());
  // Newest first too, across pruned records.
  size_t reverse = 0;
  for (auto it = store->scan_arrival_reverse(); it->valid(); it->next()) ++reverse;
  CHECK(reverse == 15 * 60);
  check_types_recount(*store);
  require_verified(*store);

  // Seqs are not given again; the store reopens (format version 4) and appends go on.
  CHECK(store->last_seq() == last);
  store.reset();
  store = open_store(dir / "db");
  CHECK(store->last_seq() == last);
  AppendResult appended;
  REQUIRE(store->append(std::vector<Event>{gen.event("exec-new", kBase)}, &appended).ok());
  CHECK(appended.first_seq == last + 1);
  require_verified(*store);
  StoreStats st;
  REQUIRE(store->stats(&st).ok());
  CHECK(st.format_version == 5);
  CHECK(st.events == 15 * 60 + 1);
}

TEST_CASE("prune --keep-executions and --max-bytes take the oldest first; a dry run changes nothing", "[prune]") {
  TempDir dir;
  testing::EventGenerator gen(4);
  auto store = open_store(dir / "db");
  REQUIRE(store->append(interleaved(gen, 30, 40)).ok());

  PruneOptions dry;
  dry.keep_executions = 10;
  dry.dry_run = true;
  PruneReport r;
  REQUIRE(store->prune(dry, &r).ok());
  CHECK(r.executions == 20);
  CHECK(execution_ids(*store).size() == 30);

  PruneOptions keep;
  keep.keep_executions = 10;
  REQUIRE(store->prune(keep, &r).ok());
  CHECK(r.executions == 20);
  std::set<std::string> newest;
  for (int i = 20; i < 30; ++i) newest.insert("exec-" + std::to_string(i));
  CHECK(execution_ids(*store) == newest);
  require_verified(*store);

  PruneOptions size;
  size.max_bytes = r.bytes_after / 2;
  REQUIRE(store->prune(size, &r).ok());
  CHECK(r.executions >= 4);
  CHECK(r.executions < 10);
  CHECK(r.bytes_after < r.bytes_before);
  CHECK(r.bytes_after <= *size.max_bytes);  // measured after compaction, not estimated
  CHECK(execution_ids(*store).count("exec-29") == 1);
  check_types_recount(*store);
  require_verified(*store);

  PruneOptions none;
  REQUIRE(store->prune(none, &r).ok());
  CHECK(r.executions == 0);
}

TEST_CASE("prune keeps executions a replicator has not shipped, unless forced", "[prune]") {
  TempDir dir;
  testing::EventGenerator gen(5);
  auto store = open_store(dir / "db");
  REQUIRE(store->append(interleaved(gen, 10, 20)).ok());  // exec-i's last event is seq 191 + i
  REQUIRE(store->mark_replicated("redis://127.0.0.1:6379 stream s", 195).ok());
  std::vector<ReplicationMark> marks;
  REQUIRE(store->replication_marks(&marks).ok());
  REQUIRE(marks.size() == 1);
  CHECK(marks[0].seq == 195);

  PruneOptions all;
  all.keep_executions = 0;
  PruneReport r;
  REQUIRE(store->prune(all, &r).ok());
  CHECK(r.executions == 5);  // exec-0..4 end at or before seq 195
  CHECK(r.kept_unreplicated == 5);
  CHECK(r.held_back_by == "redis://127.0.0.1:6379 stream s");
  require_verified(*store);
  all.force = true;
  REQUIRE(store->prune(all, &r).ok());
  CHECK(r.executions == 5);
  CHECK(execution_ids(*store).empty());
  CHECK(store->last_seq() == 200);  // the newest block keeps the last seq
  require_verified(*store);
  store.reset();
  CHECK(open_store(dir / "db")->last_seq() == 200);
}

TEST_CASE("a view opened before a prune reads its own state, then the pruned one after refresh", "[prune]") {
  TempDir dir;
  testing::EventGenerator gen(6);
  auto store = open_store(dir / "db");
  REQUIRE(store->append(interleaved(gen, 20, 30)).ok());
  auto view = open_store(dir / "db", view_options());
  auto reading = view->scan_all();  // mid-read when the prune happens
  size_t read = 0;
  for (; reading->valid() && read < 100; reading->next()) ++read;

  PruneOptions options;
  options.keep_executions = 5;
  REQUIRE(store->prune(options).ok());
  // The refresh replaces the view's database (the prune flushed and
  // compacted); the iterator goes on reading the one it started on.
  REQUIRE(view->refresh().ok());
  for (; reading->valid(); reading->next()) ++read;
  REQUIRE(reading->status().ok());
  CHECK(read == 600);
  reading.reset();
  // The refreshed view sees the pruned store, as one opened afterwards does
  // (RocksDB 7.8's secondary, caught up across the flush, would keep what
  // it had replayed from the log: facebook/rocksdb#15051).
  CHECK(execution_ids(*view).size() == 5);
  CHECK(events_by_execution(*view).size() == 5);
  require_verified(*view);
  check_types_recount(*view);
  auto later = open_store(dir / "db", view_options());
  CHECK(execution_ids(*later).size() == 5);
  require_verified(*later);
}

TEST_CASE("a view refreshed across the writer's flush counts every event once", "[prune][view]") {
  TempDir dir;
  testing::EventGenerator gen(7);
  auto store = open_store(dir / "db");
  REQUIRE(store->append(interleaved(gen, 4, 50)).ok());  // in the memtables and the log only
  auto view = open_store(dir / "db", view_options());
  ExecutionSummary e;
  REQUIRE(view->get_execution("exec-0", &e).ok());
  CHECK(e.event_count == 50);

  store.reset();  // the writer's close flushes what the view replayed from the log
  store = open_store(dir / "db");
  REQUIRE(store->append(interleaved(gen, 1, 10)).ok());
  REQUIRE(view->refresh().ok());
  CHECK(view->last_seq() == 210);
  REQUIRE(view->get_execution("exec-0", &e).ok());
  CHECK(e.event_count == 60);
  REQUIRE(view->get_execution("exec-3", &e).ok());
  CHECK(e.event_count == 50);
  check_types_recount(*view);
  require_verified(*view);

  // Refreshes that only tail the log keep counting once.
  REQUIRE(store->append(interleaved(gen, 2, 5)).ok());
  REQUIRE(view->refresh().ok());
  REQUIRE(view->get_execution("exec-1", &e).ok());
  CHECK(e.event_count == 55);
  require_verified(*view);
}

TEST_CASE("background retention prunes a writer's store while it appends", "[prune]") {
  TempDir dir;
  testing::EventGenerator gen(7);
  StoreOptions options;
  options.retention.keep_executions = 3;
  options.retention.interval = std::chrono::milliseconds(20);
  auto store = open_store(dir / "db", options);
  for (int round = 0; round < 10; ++round) {
    std::vector<Event> batch;
    for (int k = 0; k < 50; ++k) batch.push_back(gen.event("run-" + std::to_string(round), kBase + round * kSecond + k));
    REQUIRE(store->append(batch).ok());
  }
  // Done when the type registry was counted again too (it comes last).
  const auto registry_events = [&] {
    std::vector<EventTypeSummary> types;
    uint64_t n = 0;
    if (store->list_event_types(&types).ok()) {
      for (const auto& t : types) n += t.count;
    }
    return n;
  };
  REQUIRE(testing::wait_for([&] { return execution_ids(*store).size() == 3 && registry_events() == 150; }));
  CHECK(execution_ids(*store) == std::set<std::string>{"run-7", "run-8", "run-9"});
  require_verified(*store);

  StoreOptions bad = options;
  bad.retention.interval = std::chrono::milliseconds(0);
  std::unique_ptr<Store> refused;
  CHECK(Store::open((dir / "other"), bad, &refused).code() == Status::Code::kInvalidArgument);
}

TEST_CASE("backup copies one moment of a store being written, verified, with its identity", "[backup]") {
  TempDir dir;
  testing::EventGenerator gen(8);
  auto store = open_store(dir / "db");
  REQUIRE(store->append(interleaved(gen, 10, 100)).ok());
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    testing::EventGenerator more(9);
    for (int i = 0; !stop; ++i) {
      std::vector<Event> batch;
      for (int k = 0; k < 20; ++k) batch.push_back(more.event("live-" + std::to_string(i % 7), kBase + i));
      if (!store->append(batch).ok()) return;
    }
  });
  BackupReport r;
  const Status s = store->backup((dir / "copy"), &r);
  stop = true;
  writer.join();
  INFO(s.to_string());
  REQUIRE(s.ok());
  CHECK(r.events >= 1000);
  CHECK(!std::filesystem::exists(dir / "copy.partial"));

  auto copy = open_store(dir / "copy", view_options());
  require_verified(*copy);
  CHECK(copy->id() == store->id());
  // One moment: exactly the events with seq 1..last of the copy, no gap.
  uint64_t expect = 1;
  for (auto it = copy->scan_all(); it->valid(); it->next()) CHECK(it->view().seq == expect++);
  CHECK(expect - 1 == copy->last_seq());
  CHECK(copy->last_seq() == r.events);

  // DEST must be new; a partial copy a killed backup left is removed first,
  // a directory that is not one is refused.
  CHECK(store->backup((dir / "copy")).code() == Status::Code::kInvalidArgument);
  std::filesystem::create_directory(dir / "again.partial");
  std::ofstream(dir / "again.partial/BACKUP-IN-PROGRESS").close();
  REQUIRE(store->backup((dir / "again"), &r).ok());
  CHECK(r.removed_partial);
  std::filesystem::create_directory(dir / "mine.partial");
  std::ofstream(dir / "mine.partial/notes.txt") << "mine";
  CHECK(store->backup((dir / "mine")).code() == Status::Code::kInvalidArgument);
  CHECK(std::filesystem::exists(dir / "mine.partial"));
}

TEST_CASE("stats counts events, executions, times and bytes per family", "[stats]") {
  TempDir dir;
  testing::EventGenerator gen(10);
  auto store = open_store(dir / "db");
  StoreStats st;
  REQUIRE(store->stats(&st).ok());
  CHECK(st.events == 0);
  CHECK(st.oldest_ts == 0);
  REQUIRE(store->append(interleaved(gen, 4, 25)).ok());
  REQUIRE(store->mark_replicated("t", 60).ok());
  REQUIRE(store->stats(&st).ok());
  CHECK(st.events == 100);
  CHECK(st.executions == 4);
  CHECK(st.last_seq == 100);
  CHECK(st.oldest_ts == kBase);
  CHECK(st.newest_ts == kBase + 3 * kSecond + 24 * 1000);
  CHECK(st.format_version == 5);
  REQUIRE(st.families.size() == 7);
  CHECK(st.families[1].name == "blocks");
  CHECK(st.families[1].memtable_bytes > 0);
  CHECK(st.wal_bytes > 0);
  CHECK(st.disk_bytes > st.wal_bytes);
  REQUIRE(st.replication.size() == 1);
  CHECK(st.replication[0].seq == 60);
}


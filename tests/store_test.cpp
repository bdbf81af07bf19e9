#include "streamll/big_integer.hpp"
#include "streamll/store.hpp"
#include "streamll/log_cursor.hpp"

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <random>
#include <set>
#include <thread>

#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <rocksdb/db.h>
#include <rocksdb/sst_file_writer.h>

#include "store/block.hpp"
#include "store/change_watch.hpp"
#include "store/execution_summary.hpp"
#include "store/hashed_memtable.hpp"
#include "store/postings.hpp"
#include "store/type_summary.hpp"
#include "streamll/event_batch.hpp"
#include "streamll/timestamp.hpp"
#include "support/event_gen.hpp"
#include "support/open_store.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

using namespace streamll;
using streamll::testing::open_store;
using streamll::testing::TempDir;

namespace {

StoreOptions view_options() {
  StoreOptions o;
  o.mode = StoreOptions::Mode::kReadOnlyLive;
  return o;
}

// Drains an iterator into (event_id, seq) pairs, requiring a clean end.
std::vector<std::pair<std::string, uint64_t>> drain(std::unique_ptr<EventIterator> it) {
  std::vector<std::pair<std::string, uint64_t>> out;
  for (; it->valid(); it->next()) out.emplace_back(std::string(it->view().event_id), it->view().seq);
  INFO(it->status().to_string());
  REQUIRE(it->status().ok());
  return out;
}

// A batch of events spread over executions, with timestamps out of order and ties.
std::vector<Event> mixed_events(testing::EventGenerator& gen, size_t n, size_t executions) {
  std::vector<Event> out;
  for (size_t i = 0; i < n; ++i) {
    const int64_t ts = 1'700'000'000'000'000'000 + static_cast<int64_t>(gen.pick(500)) * 1'000'000;
    out.push_back(gen.event("exec-" + std::to_string(gen.pick(executions)), ts));
  }
  return out;
}

// Opens the store's RocksDB directly, as another program (or a future build)
// would, and hands `edit` the handles by family name.
template <typename Edit>
void edit_raw(const std::string& path, Edit edit) {
  rocksdb::DB* raw = nullptr;
  rocksdb::Options options;
  std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
  std::vector<std::string> names;
  REQUIRE(rocksdb::DB::ListColumnFamilies(options, path, &names).ok());
  for (auto& n : names) {
    // Without its merge operator, RocksDB would drop a family's merge
    // operands when it flushes at open.
    rocksdb::ColumnFamilyOptions family;
    if (n == "executions") family.merge_operator = execution_summary::merge_operator();
    if (n == "types") family.merge_operator = type_summary::merge_operator();
    cfs.emplace_back(n, family);
  }
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  REQUIRE(rocksdb::DB::Open(options, path, cfs, &handles, &raw).ok());
  std::map<std::string, rocksdb::ColumnFamilyHandle*> by_name;
  for (size_t i = 0; i < names.size(); ++i) by_name[names[i]] = handles[i];
  edit(raw, by_name);
  for (auto* h : handles) raw->DestroyColumnFamilyHandle(h);
  delete raw;
}

}  // namespace

TEST_CASE("append assigns arrival seqs; every scan returns its events in its order", "[store]") {
  TempDir dir;
  auto store = open_store(dir / "db");
  testing::EventGenerator gen(3);
  std::vector<Event> all;
  for (int b = 0; b < 5; ++b) {
    auto batch = mixed_events(gen, 200, 7);
    AppendResult r;
    REQUIRE(store->append(batch, &r).ok());
    CHECK(r.appended == 200);
    CHECK(r.first_seq == static_cast<uint64_t>(b) * 200 + 1);
    CHECK(r.last_seq == static_cast<uint64_t>(b + 1) * 200);
    all.insert(all.end(), batch.begin(), batch.end());
  }
  CHECK(store->last_seq() == 1000);

  SECTION("arrival order from any cursor") {
    auto got = drain(store->scan_arrival());
    REQUIRE(got.size() == all.size());
    for (size_t i = 0; i < all.size(); ++i) {
      CHECK(got[i].first == all[i].event_id);
      CHECK(got[i].second == i + 1);
    }
    auto tail = drain(store->scan_arrival(990));
    REQUIRE(tail.size() == 10);
    CHECK(tail.front().second == 991);
    CHECK(drain(store->scan_arrival(1000)).empty());
  }

  SECTION("one execution in time order, ties in arrival order, within a range") {
    std::vector<std::pair<int64_t, uint64_t>> expected;
    for (size_t i = 0; i < all.size(); ++i) {
      if (all[i].execution_id == "exec-3") expected.emplace_back(all[i].timestamp, i + 1);
    }
    std::sort(expected.begin(), expected.end());
    auto it = store->scan_execution("exec-3");
    size_t k = 0;
    for (; it->valid(); it->next(), ++k) {
      REQUIRE(k < expected.size());
      CHECK(it->view().timestamp == expected[k].first);
      CHECK(it->view().seq == expected[k].second);
      CHECK(it->view().execution_id == "exec-3");
    }
    CHECK(it->status().ok());
    CHECK(k == expected.size());

    const TimeRange range{expected[3].first, expected[expected.size() - 3].first};
    const auto in_range = std::count_if(expected.begin(), expected.end(),
                                        [&](auto& p) { return range.contains(p.first); });
    CHECK(drain(store->scan_execution("exec-3", range)).size() == static_cast<size_t>(in_range));
    CHECK(drain(store->scan_execution("exec-3x")).empty());
    CHECK(drain(store->scan_execution("exec-")).empty());
  }

  SECTION("a global time range in time order") {
    const TimeRange range{1'700'000'000'100'000'000, 1'700'000'000'200'000'000};
    std::vector<std::pair<int64_t, uint64_t>> expected;
    for (size_t i = 0; i < all.size(); ++i) {
      if (range.contains(all[i].timestamp)) expected.emplace_back(all[i].timestamp, i + 1);
    }
    std::sort(expected.begin(), expected.end());
    auto got = drain(store->scan_time(range));
    REQUIRE(got.size() == expected.size());
    for (size_t i = 0; i < got.size(); ++i) CHECK(got[i].second == expected[i].second);
    CHECK(drain(store->scan_time({range.until, range.since})).empty());
  }

  SECTION("newest first is the exact reverse of oldest first, from memtables and from table files") {
    const auto reversed = [](std::vector<std::pair<std::string, uint64_t>> v) {
      std::reverse(v.begin(), v.end());
      return v;
    };
    const auto check_reverse = [&](const Store& s) {
      const TimeRange range{1'700'000'000'100'000'000, 1'700'000'000'200'000'000};
      CHECK(drain(s.scan_time(range, ScanOrder::kNewestFirst)) == reversed(drain(s.scan_time(range))));
      CHECK(drain(s.scan_time({}, ScanOrder::kNewestFirst)) == reversed(drain(s.scan_time({}))));
      CHECK(drain(s.scan_time_keys(range, ScanOrder::kNewestFirst)) == reversed(drain(s.scan_time_keys(range))));
      CHECK(drain(s.scan_execution("exec-3", {}, ScanOrder::kNewestFirst)) == reversed(drain(s.scan_execution("exec-3"))));
      CHECK(drain(s.scan_execution("exec-3", range, ScanOrder::kNewestFirst)) ==
            reversed(drain(s.scan_execution("exec-3", range))));
      CHECK(drain(s.scan_execution("exec-", {}, ScanOrder::kNewestFirst)).empty());
      CHECK(drain(s.scan_arrival_reverse()) == reversed(drain(s.scan_arrival())));
      // From inside a block, at block edges (each append starts one), and past the last seq.
      for (uint64_t last : {1ull, 2ull, 127ull, 128ull, 129ull, 500ull, 999ull, 1000ull, 5000ull}) {
        const auto got = drain(s.scan_arrival_reverse(last));
        REQUIRE(got.size() == std::min<uint64_t>(last, 1000));
        CHECK(got.front().second == std::min<uint64_t>(last, 1000));
        CHECK(got.back().second == 1);
      }
      CHECK(drain(s.scan_arrival_reverse(0)).empty());
    };
    check_reverse(*store);
    store.reset();  // the close flushes the memtables to table files
    StoreOptions view;
    view.mode = StoreOptions::Mode::kReadOnlyLive;
    std::unique_ptr<Store> reopened;
    REQUIRE(Store::open(dir / "db", view, &reopened).ok());
    check_reverse(*reopened);
  }

  SECTION("get by event_id returns the whole event") {
    for (size_t i = 0; i < all.size(); i += 97) {
      Event e;
      REQUIRE(store->get(all[i].event_id, &e).ok());
      CHECK(e == all[i]);
    }
    Event e;
    CHECK(store->get("no-such-id", &e).is_not_found());
  }

  SECTION("execution summaries agree with a recount") {
    std::map<std::string, ExecutionSummary> expected;
    for (const Event& e : all) {
      auto [it, fresh] = expected.try_emplace(e.execution_id);
      auto& s = it->second;
      if (fresh) s.first_ts = s.last_ts = e.timestamp;
      s.first_ts = std::min(s.first_ts, e.timestamp);
      s.last_ts = std::max(s.last_ts, e.timestamp);
      ++s.event_count;
      s.error_count += is_error_type(e.event_type);
    }
    std::vector<ExecutionSummary> got;
    REQUIRE(store->list_executions(&got).ok());
    REQUIRE(got.size() == expected.size());
    for (const auto& s : got) {
      const auto& want = expected.at(s.execution_id);
      CHECK(s.first_ts == want.first_ts);
      CHECK(s.last_ts == want.last_ts);
      CHECK(s.event_count == want.event_count);
      CHECK(s.error_count == want.error_count);
      CHECK(s.error_count > 0);
    }
    ExecutionSummary one;
    REQUIRE(store->get_execution("exec-2", &one).ok());
    CHECK(one.event_count == expected.at("exec-2").event_count);
    CHECK(store->get_execution("exec-99", &one).is_not_found());
  }
}

TEST_CASE("appending the same event_id again is a counted duplicate, not a second copy", "[store]") {
  TempDir dir;
  auto store = open_store(dir / "db");
  testing::EventGenerator gen(4);
  auto batch = mixed_events(gen, 50, 3);
  batch.push_back(batch[10]);  // repeated within the batch
  AppendResult r;
  REQUIRE(store->append(batch, &r).ok());
  CHECK(r.appended == 50);
  CHECK(r.duplicates == 1);
  REQUIRE(store->append(batch, &r).ok());
  CHECK(r.appended == 0);
  CHECK(r.duplicates == 51);
  CHECK(r.first_seq == 0);
  CHECK(drain(store->scan_arrival()).size() == 50);
  std::vector<ExecutionSummary> execs;
  REQUIRE(store->list_executions(&execs).ok());
  uint64_t total = 0;
  for (auto& s : execs) total += s.event_count;
  CHECK(total == 50);
  CHECK(r.conflicts.empty());  // the same content each time
}

namespace {

// What `db` holds (at `snapshot`, or now) through each way RocksDB reads a
// memtable: point reads, MultiGet, scans both ways, seeks.
void check_reads(rocksdb::DB* db, const rocksdb::Snapshot* snapshot, const std::map<std::string, std::string>& model,
                 const std::vector<std::string>& keys) {
  rocksdb::ReadOptions ro;
  ro.snapshot = snapshot;
  for (const std::string& k : keys) {
    std::string value;
    const rocksdb::Status s = db->Get(ro, k, &value);
    const auto it = model.find(k);
    INFO(k);
    if (it == model.end()) {
      CHECK(s.IsNotFound());
    } else {
      REQUIRE(s.ok());
      CHECK(value == it->second);
    }
  }
  std::vector<rocksdb::Slice> slices(keys.begin(), keys.end());
  std::vector<std::string> values;
  const std::vector<rocksdb::Status> statuses = db->MultiGet(ro, slices, &values);
  for (size_t i = 0; i < keys.size(); ++i) CHECK(statuses[i].ok() == model.contains(keys[i]));
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(ro));
  std::vector<std::pair<std::string, std::string>> forward, backward;
  for (it->SeekToFirst(); it->Valid(); it->Next()) forward.emplace_back(it->key().ToString(), it->value().ToString());
  REQUIRE(it->status().ok());
  for (it->SeekToLast(); it->Valid(); it->Prev()) backward.emplace_back(it->key().ToString(), it->value().ToString());
  const std::vector<std::pair<std::string, std::string>> expected(model.begin(), model.end());
  CHECK(forward == expected);
  std::reverse(backward.begin(), backward.end());
  CHECK(backward == expected);
  for (size_t i = 0; i < keys.size(); i += 37) {
    const std::string target = keys[i] + "~";
    it->Seek(target);
    const auto lower = model.lower_bound(target);
    REQUIRE(it->Valid() == (lower != model.end()));
    if (lower != model.end()) CHECK(it->key().ToString() == lower->first);
    it->SeekForPrev(target);
    const auto upper = model.upper_bound(target);
    REQUIRE(it->Valid() == (upper != model.begin()));
    if (upper != model.begin()) CHECK(it->key().ToString() == std::prev(upper)->first);
  }
}

}  // namespace

TEST_CASE("by_id's hashed memtable reads as a skiplist would: newest version, snapshots, deletes, order, flush",
          "[store][memtable]") {
  TempDir dir;
  rocksdb::Options options;
  options.create_if_missing = true;
  options.allow_concurrent_memtable_write = false;
  options.memtable_factory = detail::hashed_memtable_factory();
  rocksdb::DB* raw = nullptr;
  REQUIRE(rocksdb::DB::Open(options, dir / "db", &raw).ok());
  std::unique_ptr<rocksdb::DB> db(raw);
  // Keys in no order: ids, ids sharing their first 8 bytes, keys shorter
  // than 8 bytes and one with a NUL byte (the sort's prefix pads with zeros).
  std::mt19937_64 rng(11);
  std::vector<std::string> keys = {"a", "ab", std::string("ab\0", 3), "ab\x01", "abcdefgh", "abcdefgh0", ""};
  for (int i = 0; i < 3000; ++i) keys.push_back(fmt::format("{:08x}{}", rng() % 5000, i % 3 == 0 ? "" : "-" + std::to_string(i % 7)));
  std::map<std::string, std::string> model;
  for (const std::string& k : keys) {
    REQUIRE(db->Put(rocksdb::WriteOptions(), k, "v1:" + k).ok());
    model[k] = "v1:" + k;
  }
  const rocksdb::Snapshot* snapshot = db->GetSnapshot();
  const std::map<std::string, std::string> at_snapshot = model;
  for (size_t i = 0; i < keys.size(); ++i) {
    if (i % 5 == 0) {
      REQUIRE(db->Delete(rocksdb::WriteOptions(), keys[i]).ok());
      model.erase(keys[i]);
    } else if (i % 2 == 0) {
      REQUIRE(db->Put(rocksdb::WriteOptions(), keys[i], "v2:" + keys[i]).ok());
      model[keys[i]] = "v2:" + keys[i];
    }
  }
  // Inserts wait in groups of 16 before the table places them: each is
  // read at once, from the group waiting, from a group just placed; new
  // keys, and new versions of keys whose older versions (and the
  // snapshot's) are in the table. The last 41 % 16 stay waiting for the
  // reads below.
  for (int i = 0; i < 41; ++i) {
    const std::string key = i % 2 == 0 ? fmt::format("late-{}", i) : keys[static_cast<size_t>(i) * 7];
    REQUIRE(db->Put(rocksdb::WriteOptions(), key, "v3:" + key).ok());
    model[key] = "v3:" + key;
    if (i % 2 == 0) keys.push_back(key);
    std::string value;
    REQUIRE(db->Get(rocksdb::ReadOptions(), key, &value).ok());
    CHECK(value == "v3:" + key);
    CHECK(db->Get(rocksdb::ReadOptions(), fmt::format("late-{}", i + 2), &value).IsNotFound());
  }
  keys.push_back("absent");
  SECTION("in the memtable") {
    check_reads(db.get(), nullptr, model, keys);
    check_reads(db.get(), snapshot, at_snapshot, keys);
  }
  SECTION("flushed, sorted into a table") {
    REQUIRE(db->Flush(rocksdb::FlushOptions()).ok());
    check_reads(db.get(), nullptr, model, keys);
    check_reads(db.get(), snapshot, at_snapshot, keys);
  }
  SECTION("a point read keeps no memory (RocksDB's default Get leaves its iterator behind)") {
#if defined(__SANITIZE_ADDRESS__)
    // ASan keeps freed memory in quarantine, so resident memory grows with
    // every allocation; there LeakSanitizer reports a leaked iterator at exit.
    constexpr bool kMeasured = false;
#else
    constexpr bool kMeasured = true;
#endif
    const auto resident_kib = [] {
      std::ifstream status("/proc/self/status");
      for (std::string line; std::getline(status, line);) {
        if (line.starts_with("VmRSS:")) return std::stol(line.substr(6));
      }
      return 0L;
    };
    std::vector<std::string> present;
    for (auto it = model.begin(); present.size() < 100; ++it) present.push_back(it->first);
    std::string value;
    for (int i = 0; i < 1000; ++i) (void)db->Get(rocksdb::ReadOptions(), present[0], &value);
    const long before = resident_kib();
    int found = 0;
    for (int i = 0; i < 300'000; ++i) found += db->Get(rocksdb::ReadOptions(), present[i % 100], &value).ok() ? 1 : 0;
    CHECK(found == 300'000);
    if (kMeasured) CHECK(resident_kib() - before < 8 * 1024);  // a leak of 128 bytes a read is 37 MiB
  }
  db->ReleaseSnapshot(snapshot);
}

TEST_CASE("an append of several blocks, and small ones after it, read back whole across block edges", "[store]") {
  TempDir dir;
  auto store = open_store(dir / "db");
  testing::EventGenerator gen(11);
  constexpr uint64_t kBlock = block::kMaxEvents;
  std::vector<Event> all = mixed_events(gen, 2 * kBlock + 3, 3);  // three blocks, one append
  AppendResult r;
  REQUIRE(store->append(all, &r).ok());
  // Then small blocks, as the runtime's appends make: a read by seq seeks
  // back for a small block first, then for the largest.
  for (size_t n = 1; n <= 40; ++n) {
    const std::vector<Event> few = mixed_events(gen, 1 + n % 17, 3);
    REQUIRE(store->append(few, &r).ok());
    all.insert(all.end(), few.begin(), few.end());
  }
  REQUIRE(r.last_seq == all.size());
  const auto check = [&](const Store& s) {
    for (const uint64_t edge : {uint64_t{1}, kBlock - 1, kBlock, kBlock + 1, 2 * kBlock, 2 * kBlock + 1,
                                uint64_t{all.size()}}) {
      Event e;
      REQUIRE(s.get(all[edge - 1].event_id, &e).ok());
      CHECK(e == all[edge - 1]);
      const auto after = drain(s.scan_arrival(edge));
      REQUIRE(after.size() == all.size() - edge);
      if (!after.empty()) CHECK(after.front().second == edge + 1);
      const auto before = drain(s.scan_arrival_reverse(edge));
      REQUIRE(before.size() == edge);
      CHECK(before.front().second == edge);
    }
    size_t listed = 0;
    for (const std::string execution : {"exec-0", "exec-1", "exec-2"}) {
      std::vector<std::pair<int64_t, uint64_t>> expected;
      for (size_t i = 0; i < all.size(); ++i) {
        if (all[i].execution_id == execution) expected.emplace_back(all[i].timestamp, i + 1);
      }
      std::sort(expected.begin(), expected.end());
      std::vector<std::pair<int64_t, uint64_t>> got;
      auto it = s.scan_execution(execution);
      for (; it->valid(); it->next()) got.emplace_back(it->view().timestamp, it->view().seq);
      CHECK(it->status().ok());
      CHECK(got == expected);
      listed += got.size();
    }
    CHECK(listed == all.size());
  };
  check(*store);
  store.reset();  // the close flushes the memtables to table files
  store = open_store(dir / "db");
  check(*store);
}

TEST_CASE("a duplicate event_id with other content is skipped and named, not silently", "[store]") {
  TempDir dir;
  auto store = open_store(dir / "db");
  testing::EventGenerator gen(5);
  std::vector<Event> batch = mixed_events(gen, 300, 3);
  for (Event& e : batch) e.data = Json::parse(R"({"a": 1, "b": [1.5, "x"], "c": {"d": null}})");
  REQUIRE(json_integer("123456789012345678901234567890", &batch[200].data["a"]).ok());
  REQUIRE(store->append(batch).ok());

  std::vector<Event> again = batch;
  again[7].data["a"] = 2;                     // other data
  again[150].event_type = "other.type";       // another envelope field
  again[299].tags["env"] = "changed";         // other tags
  // Integers beyond 64 bits that one double holds both of differ too.
  REQUIRE(json_integer("123456789012345678901234567891", &again[200].data["a"]).ok());
  // The same value spelled another way is no conflict: keys in another
  // order, 1.5 as 15e-1.
  again[42].data = Json::parse(R"({"c": {"d": null}, "b": [15e-1, "x"], "a": 1})");
  Event newcomer = gen.event("exec-new", 1);
  again.push_back(newcomer);
  Event reused = newcomer;                    // its id twice in the batch,
  reused.execution_id = "exec-other";         // the second time for another event
  again.push_back(reused);
  again.push_back(newcomer);                  // and a third time, the same event

  AppendResult r;
  REQUIRE(store->append(again, &r).ok());
  CHECK(r.appended == 1);
  CHECK(r.duplicates == 302);
  CHECK(r.conflicts == std::vector<size_t>{7, 150, 200, 299, 301});
  Event kept;
  REQUIRE(store->get(batch[7].event_id, &kept).ok());
  CHECK(kept == batch[7]);  // the stored event stays
  REQUIRE(store->get(newcomer.event_id, &kept).ok());
  CHECK(kept.execution_id == "exec-new");
}

namespace {

// A source that yields `batch` in parts of `part` events.
Store::EventSource parts_of(const EventBatch& batch, size_t part) {
  auto next = std::make_shared<size_t>(0);
  return [&batch, part, next](std::span<const EventView>* out) {
    const size_t n = std::min(part, batch.size() - *next);
    *out = batch.views().subspan(*next, n);
    *next += n;
    return Status::ok_status();
  };
}

// What a reader can tell of a store: every scan order, the summaries and the
// type registry.
struct Seen {
  std::vector<std::pair<std::string, uint64_t>> arrival, by_time, newest_first, one_execution;
  std::vector<std::tuple<std::string, int64_t, int64_t, uint64_t, uint64_t>> executions;
  std::vector<std::tuple<std::string, int64_t, int64_t, uint64_t, std::vector<std::string>>> types;
  bool operator==(const Seen&) const = default;
};

Seen seen(const Store& store) {
  Seen out;
  out.arrival = drain(store.scan_arrival());
  out.by_time = drain(store.scan_time({}));
  out.newest_first = drain(store.scan_time({}, ScanOrder::kNewestFirst));
  out.one_execution = drain(store.scan_execution("exec-1"));
  std::vector<ExecutionSummary> execs;
  REQUIRE(store.list_executions(&execs).ok());
  for (const auto& e : execs) out.executions.emplace_back(e.execution_id, e.first_ts, e.last_ts, e.event_count, e.error_count);
  std::vector<EventTypeSummary> types;
  REQUIRE(store.list_event_types(&types).ok());
  for (const auto& t : types) out.types.emplace_back(t.event_type, t.first_ts, t.last_ts, t.count, t.data_keys);
  return out;
}

}  // namespace

TEST_CASE("append_all stores what one append of the whole would, whole or nothing, in parts", "[store][append_all]") {
  TempDir dir;
  testing::EventGenerator gen(17);
  std::vector<Event> first = mixed_events(gen, 700, 6);
  std::vector<Event> events = mixed_events(gen, 3000, 9);
  EventBatch before, batch;
  for (const Event& e : first) before.add(e);
  for (const Event& e : events) batch.add(e);
  // A re-import of stored events (one with other content), and repeats of
  // ids of earlier parts (one with other content), among new events.
  Event stored_again = first[5];
  Event stored_changed = first[6];
  stored_changed.data["changed"] = true;
  Event repeat_same = events[10];
  Event repeat_changed = events[20];
  repeat_changed.event_type = "another.type";
  for (const Event* e : {&stored_again, &stored_changed, &repeat_same, &repeat_changed}) batch.add(*e);
  batch.add(events[2999]);  // a repeat within the last part

  // The reference: the same events in one append.
  auto reference = open_store(dir / "reference");
  REQUIRE(reference->append(before.views()).ok());
  AppendResult whole;
  REQUIRE(reference->append(batch.views(), &whole).ok());

  auto store = open_store(dir / "db");
  REQUIRE(store->append(before.views()).ok());
  StoreOptions vo;
  vo.mode = StoreOptions::Mode::kReadOnlyLive;
  std::unique_ptr<Store> view;
  REQUIRE(Store::open(dir / "db", vo, &view).ok());

  SECTION("in parts, it is one append of the whole") {
    AppendResult r;
    const Status appended = store->append_all(parts_of(batch, 1000), &r);
    INFO(appended.to_string());
    REQUIRE(appended.ok());
    CHECK(r.appended == 3000);
    CHECK(r.duplicates == 5);
    CHECK(r.first_seq == 701);
    CHECK(r.last_seq == 3700);
    CHECK(r.appended == whole.appended);
    CHECK(r.duplicates == whole.duplicates);
    CHECK(r.conflicts == std::vector<size_t>{3001, 3003});
    CHECK(r.conflicts == whole.conflicts);
    CHECK(r.conflict_ids == std::vector<std::string>{stored_changed.event_id, repeat_changed.event_id});
    CHECK(store->last_seq() == 3700);
    CHECK(seen(*store) == seen(*reference));
    VerifyReport report;
    const Status verified = store->verify(&report);
    INFO(verified.to_string() << (report.problems.empty() ? "" : report.problems.front()));
    CHECK(verified.ok());
    CHECK(report.events == 3700);
    CHECK_FALSE(std::filesystem::exists(std::filesystem::path(dir / "db") / "staging"));
    // A view sees all of it once it refreshes, and appends go on from there.
    REQUIRE(view->refresh().ok());
    CHECK(seen(*view) == seen(*reference));
    AppendResult next;
    REQUIRE(store->append(std::vector<Event>{gen.event("exec-1", 5)}, &next).ok());
    CHECK(next.first_seq == 3701);
    // Again: every event is a duplicate, nothing is staged or ingested.
    REQUIRE(store->append_all(parts_of(batch, 1000), &r).ok());
    CHECK(r.appended == 0);
    CHECK(r.duplicates == batch.size());
    store.reset();
    // Reopened, it is as it was (the ingested tables are the store's).
    store = open_store(dir / "db");
    CHECK(store->last_seq() == 3701);
    CHECK(store->verify().ok());
  }

  SECTION("a source that fails part way stores none of it") {
    const Seen was = seen(*store);
    size_t calls = 0;
    const Store::EventSource failing = [&](std::span<const EventView>* out) {
      if (++calls == 3) return Status::invalid_argument("events.jsonl:2500: field 'timestamp': bad");
      *out = batch.views().subspan((calls - 1) * 1000, 1000);
      return Status::ok_status();
    };
    AppendResult r;
    const Status s = store->append_all(failing, &r);
    CHECK(s.message() == "events.jsonl:2500: field 'timestamp': bad");
    CHECK(r.appended == 0);
    CHECK(store->last_seq() == 700);
    CHECK(seen(*store) == was);
    CHECK_FALSE(std::filesystem::exists(std::filesystem::path(dir / "db") / "staging"));
    REQUIRE(view->refresh().ok());
    CHECK(seen(*view) == was);
    // An invalid event fails it too, naming its position in the whole.
    EventBatch bad;
    for (const EventView& v : batch.views().subspan(0, 1500)) bad.add(v);
    EventView empty_type = batch.views()[1500];
    empty_type.event_type = "";
    bad.add(empty_type);
    const Status invalid = store->append_all(parts_of(bad, 1000));
    CHECK(invalid.is_invalid_argument());
    CHECK(invalid.message().find("event 1500 of the whole") != std::string::npos);
    CHECK(seen(*store) == was);
    // The store takes the same events afterwards.
    REQUIRE(store->append_all(parts_of(batch, 1000), &r).ok());
    CHECK(r.appended == 3000);
    CHECK(seen(*store) == seen(*reference));
  }
}

TEST_CASE("a table linked from an append_all killed before its ingestion is no damage; the next writer removes it",
          "[store][append_all]") {
  TempDir dir;
  testing::EventGenerator gen(18);
  {
    auto store = open_store(dir / "db");
    REQUIRE(store->append(mixed_events(gen, 100, 3)).ok());
  }
  // What RocksDB's ingestion does first: the staged table, linked into the
  // store under a number the MANIFEST does not list yet.
  const std::filesystem::path staging = std::filesystem::path(dir / "db") / "staging";
  // A table holding a key the store lacks.
  const auto write_table = [](const std::filesystem::path& file) {
    rocksdb::SstFileWriter writer{rocksdb::EnvOptions(), rocksdb::Options()};
    REQUIRE(writer.Open(file.string()).ok());
    REQUIRE(writer.Put("an event the store lacks", "x").ok());
    REQUIRE(writer.Finish().ok());
  };
  std::filesystem::create_directory(staging);
  write_table(staging / "000001.sst");
  const std::filesystem::path linked = std::filesystem::path(dir / "db") / "999999.sst";
  std::filesystem::create_hard_link(staging / "000001.sst", linked);
  StoreOptions vo;
  vo.mode = StoreOptions::Mode::kReadOnlyLive;
  std::unique_ptr<Store> view;
  const Status opened = Store::open(dir / "db", vo, &view);
  INFO(opened.to_string());
  CHECK(opened.ok());
  view.reset();
  {
    auto store = open_store(dir / "db");
    CHECK(store->last_seq() == 100);
    CHECK_FALSE(std::filesystem::exists(staging));
    CHECK_FALSE(std::filesystem::exists(linked));
    CHECK(store->verify().ok());
  }
  // Without its staged twin the same table is what a forgetful MANIFEST leaves.
  std::filesystem::create_directory(staging);
  write_table(linked);
  const Status refused = Store::open(dir / "db", vo, &view);
  CHECK(refused.is_corruption());
  CHECK(refused.message().find("999999.sst") != std::string::npos);
}

TEST_CASE("events given as views are stored as given, checked like Events unless vouched for", "[store]") {
  TempDir dir;
  auto store = open_store(dir / "db");
  testing::EventGenerator gen(7);
  const std::vector<Event> events = mixed_events(gen, 200, 4);
  EventBatch batch;
  for (const Event& e : events) batch.add(e);
  AppendResult r;
  REQUIRE(store->append(batch.views(), &r).ok());
  CHECK(r.appended == 200);
  for (const Event& e : events) {
    Event back;
    REQUIRE(store->get(e.event_id, &back).ok());
    REQUIRE(back == e);
  }
  // The type registry reads data's keys from the text (one escaped).
  EventBatch keyed;
  Event k = gen.event("exec-keys", 1);
  k.event_type = "keys.text";
  k.data = Json::parse(R"({"plain": 1, "esc\"aped": {"inner": 2}, "list": ["notakey"]})");
  keyed.add(k);
  REQUIRE(store->append(keyed.views()).ok());
  std::vector<EventTypeSummary> types;
  REQUIRE(store->list_event_types(&types).ok());
  const auto it = std::find_if(types.begin(), types.end(), [](const auto& t) { return t.event_type == "keys.text"; });
  REQUIRE(it != types.end());
  CHECK(it->data_keys == std::vector<std::string>{"esc\"aped", "list", "plain"});

  // Unvouched views are checked as Events are, naming position and field.
  EventView bad = batch.views()[0];
  bad.event_id = "fresh-id-1";
  bad.data_json = "[1]";
  std::vector<EventView> views{batch.views()[1], bad};
  Status s = store->append(views);
  CHECK(s.message() == "event 1 of the batch: field 'data': must be a JSON object, not array");
  views[1].data_json = R"({"a":)";
  s = store->append(views);
  CHECK(s.message().starts_with("event 1 of the batch: field 'data': not JSON text: "));
  views[1].data_json = "{}";
  views[1].tags_json = R"({"env":3})";
  CHECK(store->append(views).message() == "event 1 of the batch: field 'tags.env': must be a string, not number");
  views[1].tags_json = "{}";
  views[1].execution_id = std::string_view("a\0b", 3);
  CHECK(store->append(views).message() == "event 1 of the batch: field 'execution_id': must not contain a NUL byte");
  CHECK(store->last_seq() == 201);  // nothing of the refused batches
}

TEST_CASE("an invalid event fails the whole batch and names its position", "[store]") {
  TempDir dir;
  auto store = open_store(dir / "db");
  testing::EventGenerator gen(5);
  auto batch = mixed_events(gen, 5, 2);
  batch[3].execution_id = std::string("a\0b", 3);
  const Status s = store->append(batch);
  CHECK(s.is_invalid_argument());
  CHECK(s.message() == "event 3 of the batch: field 'execution_id': must not contain a NUL byte");
  batch[3].execution_id.clear();
  CHECK(store->append(batch).message().find("field 'execution_id': must not be empty") != std::string::npos);
  CHECK(drain(store->scan_arrival()).empty());
  CHECK(store->last_seq() == 0);
}

TEST_CASE("a store reopens with everything and continues its seqs", "[store]") {
  TempDir dir;
  testing::EventGenerator gen(6);
  auto first = mixed_events(gen, 300, 4);
  {
    auto store = open_store(dir / "db");
    REQUIRE(store->append(first).ok());
  }
  auto store = open_store(dir / "db");
  CHECK(store->last_seq() == 300);
  AppendResult r;
  REQUIRE(store->append(mixed_events(gen, 10, 4), &r).ok());
  CHECK(r.first_seq == 301);
  Event e;
  REQUIRE(store->get(first[123].event_id, &e).ok());
  CHECK(e == first[123]);
  CHECK(drain(store->scan_arrival()).size() == 310);
}

TEST_CASE("the event-type registry agrees with a recount, across batches, reopen and views", "[store]") {
  TempDir dir;
  testing::EventGenerator gen(8);
  struct Expected {
    int64_t first = std::numeric_limits<int64_t>::max(), last = std::numeric_limits<int64_t>::min();
    uint64_t count = 0;
    std::set<std::string> keys;
  };
  std::map<std::string, Expected> expected;
  const auto check = [&](const Store& store) {
    std::vector<EventTypeSummary> types;
    REQUIRE(store.list_event_types(&types).ok());
    REQUIRE(types.size() == expected.size());
    size_t i = 0;
    for (const auto& [type, want] : expected) {
      const EventTypeSummary& got = types[i++];
      INFO(type);
      CHECK(got.event_type == type);
      CHECK(got.count == want.count);
      CHECK(got.first_ts == want.first);
      CHECK(got.last_ts == want.last);
      std::vector<std::string> keys(want.keys.begin(), want.keys.end());
      CHECK(got.data_keys_truncated == (keys.size() > EventTypeSummary::kMaxDataKeys));
      if (keys.size() > EventTypeSummary::kMaxDataKeys) keys.resize(EventTypeSummary::kMaxDataKeys);
      CHECK(got.data_keys == keys);
    }
  };
  auto store = open_store(dir / "db");
  for (int batch = 0; batch < 6; ++batch) {
    auto events = mixed_events(gen, 150, 5);
    // One type collects many distinct keys, to reach the cap across batches.
    for (size_t i = 0; i < 20; ++i) {
      events[i].event_type = "wide";
      events[i].data = Json::object({{"k" + std::to_string(batch * 20 + i), i}});
    }
    events.push_back(events[0]);  // a duplicate counts nowhere
    REQUIRE(store->append(events).ok());
    events.pop_back();
    for (const Event& e : events) {
      Expected& x = expected[e.event_type];
      x.first = std::min(x.first, e.timestamp);
      x.last = std::max(x.last, e.timestamp);
      ++x.count;
      for (auto it = e.data.begin(); it != e.data.end(); ++it) x.keys.insert(it.key());
    }
    check(*store);
  }
  CHECK(expected["wide"].keys.size() == 120);
  auto view = open_store(dir / "db", view_options());
  check(*view);
  store.reset();
  view.reset();
  check(*open_store(dir / "db"));
}

TEST_CASE("opening what is not a store is a clear error", "[store]") {
  TempDir dir;
  std::unique_ptr<Store> store;
  Status s = Store::open(dir / "missing", view_options(), &store);
  CHECK(s.is_not_found());
  CHECK(s.message() == "no store at " + (dir / "missing"));

  StoreOptions no_create;
  no_create.create_if_missing = false;
  CHECK(Store::open(dir / "missing", no_create, &store).is_not_found());

  std::filesystem::create_directories(dir / "other");
  std::ofstream(dir / "other/notes.txt") << "hello";
  s = Store::open(dir / "other", {}, &store);
  CHECK(s.is_invalid_argument());
  CHECK(s.message().find("is not a streamll store") != std::string::npos);

  std::ofstream(dir / "file") << "x";
  CHECK(Store::open(dir / "file", {}, &store).is_invalid_argument());
}

TEST_CASE("a store whose creation was cut short before its families were made is finished by the next writer's open",
          "[store]") {
  // A new store is a RocksDB database with the default family first, then
  // the others in one step; a kill between the two leaves this.
  TempDir dir;
  const std::string path = dir / "db";
  {
    rocksdb::Options options;
    options.create_if_missing = true;
    rocksdb::DB* raw = nullptr;
    REQUIRE(rocksdb::DB::Open(options, path, &raw).ok());
    delete raw;
  }
  {
    auto store = open_store(path);
    testing::EventGenerator gen(21);
    std::vector<Event> events;
    for (int i = 0; i < 50; ++i) events.push_back(gen.event("exec-cut", 1'700'000'000'000'000'000 + i));
    REQUIRE(store->append(events).ok());
  }
  StoreOptions view;
  view.mode = StoreOptions::Mode::kReadOnlyLive;
  auto store = open_store(path, view);
  uint64_t n = 0;
  auto it = store->scan_arrival(0);
  for (; it->valid(); it->next()) ++n;
  REQUIRE(it->status().ok());
  CHECK(n == 50);
  ExecutionSummary summary;
  REQUIRE(store->get_execution("exec-cut", &summary).ok());
  CHECK(summary.event_count == 50);
}

TEST_CASE("a store of another format version is refused, naming both versions", "[store]") {
  TempDir dir;
  { open_store(dir / "db"); }
  // Rewrite the version with RocksDB directly, as a future build would.
  edit_raw(dir / "db", [](rocksdb::DB* raw, auto&) {
    REQUIRE(raw->Put(rocksdb::WriteOptions(), "streamll.format_version", "7").ok());
  });
  std::unique_ptr<Store> store;
  const Status s = Store::open(dir / "db", {}, &store);
  CHECK(s.is_invalid_argument());
  CHECK(s.message().find("format version 7 is not readable by this build, which reads version 5 (and converts 3 and 4)") !=
        std::string::npos);
}

TEST_CASE("a LogCursor follows a writer in another process with no gap and no duplicate", "[store][process][cursor]") {
  TempDir dir;
  const std::string path = dir / "db";
  testing::Child writer({testing::program("STREAMLL_TEST_WRITER"), path});
  REQUIRE(writer.read_line() == "open");
  auto view = open_store(path, view_options());
  LogCursor cursor(*view, 0);
  // Nothing yet: next() waits out its time and hands out nothing.
  CHECK_FALSE(cursor.next(std::chrono::milliseconds(30), std::chrono::milliseconds(5))->valid());

  // 60 appends of 1..97 events, all sent at once, so the writer appends
  // while the cursor reads; the cursor sometimes leaves an iterator half
  // read, which the next next() must pick up exactly where it stopped.
  std::mt19937 rng(5);
  uint64_t total = 0;
  for (int i = 0; i < 60; ++i) {
    const uint64_t n = 1 + rng() % 97;
    total += n;
    writer.write_line("append run-" + std::to_string(i % 4) + " " + std::to_string(n));
  }
  std::vector<uint64_t> seqs;
  std::set<std::string> ids;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (seqs.size() < total && std::chrono::steady_clock::now() < deadline) {
    auto it = cursor.next(std::chrono::milliseconds(200), std::chrono::milliseconds(2));
    const size_t take = rng() % 3 == 0 ? 1 + rng() % 20 : SIZE_MAX;
    for (size_t k = 0; it->valid() && k < take; ++k) {
      const uint64_t seq = it->view().seq;
      seqs.push_back(seq);
      ids.insert(std::string(it->view().event_id));
      it->next();
      CHECK(cursor.position() == seq);
    }
    REQUIRE(it->status().ok());
  }
  for (int i = 0; i < 60; ++i) REQUIRE(writer.read_line().starts_with("ok "));
  REQUIRE(seqs.size() == total);
  for (size_t i = 0; i < seqs.size(); ++i) REQUIRE(seqs[i] == i + 1);
  CHECK(ids.size() == total);
  CHECK_FALSE(cursor.next(std::chrono::milliseconds(0))->valid());
  writer.write_line("quit");
  CHECK(writer.wait() == 0);
}

TEST_CASE("a LogCursor on the writer itself sees appends from another thread; seek() moves it", "[store][cursor]") {
  TempDir dir;
  auto store = open_store(dir / "db");
  testing::EventGenerator gen(3);
  std::atomic<int> failed_appends{0};  // Catch2's checks are for the test's thread
  std::thread appender([&] {
    for (int i = 0; i < 50; ++i) {
      std::vector<Event> batch;
      for (int k = 0; k < 20; ++k) batch.push_back(gen.event("run", 1'000'000'000LL * (i * 20 + k + 1)));
      if (!store->append(batch).ok()) ++failed_appends;
    }
  });
  LogCursor cursor(*store, 0);
  uint64_t expected = 1;
  while (expected <= 1000) {
    auto it = cursor.next(std::chrono::seconds(10), std::chrono::milliseconds(1));
    if (!it->valid()) break;
    for (; it->valid(); it->next()) REQUIRE(it->view().seq == expected++);
  }
  appender.join();
  CHECK(failed_appends == 0);
  CHECK(expected == 1001);
  cursor.seek(990);
  auto it = cursor.next(std::chrono::milliseconds(0));
  CHECK(cursor.horizon() == 1000);
  CHECK(drain(std::move(it)).size() == 10);
  CHECK(cursor.position() == 1000);

  // Waiting with no end: a stop flag set meanwhile ends the wait, empty.
  std::atomic<bool> stop{false};
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    stop = true;
  });
  auto none = cursor.next(std::chrono::milliseconds::max(), std::chrono::milliseconds(5), &stop);
  stopper.join();
  CHECK(!none->valid());
  CHECK(none->status().ok());
  CHECK(cursor.position() == 1000);
  // ... and an event stored meanwhile ends it with the event.
  stop = false;
  std::thread late([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (!store->append(std::vector<Event>{gen.event("late", 2'000'000'000'000LL)}).ok()) ++failed_appends;
  });
  auto one = cursor.next(std::chrono::milliseconds::max(), std::chrono::milliseconds(5), &stop);
  late.join();
  CHECK(failed_appends == 0);
  CHECK(cursor.horizon() == 1001);
  CHECK(drain(std::move(one)).size() == 1);
}

TEST_CASE("one writer per store; a read-only view follows a writer in another process", "[store][process]") {
  TempDir dir;
  const std::string path = dir / "db";
  testing::Child writer({testing::program("STREAMLL_TEST_WRITER"), path});
  REQUIRE(writer.read_line() == "open");
  writer.write_line("append run-a 100");
  REQUIRE(writer.read_line() == "ok 100");

  std::unique_ptr<Store> second;
  const Status busy = Store::open(path, {}, &second);
  CHECK(busy.is_busy());
  CHECK(busy.message().find("already open for writing by another process") != std::string::npos);

  auto view = open_store(path, view_options());
  CHECK(view->read_only());
  CHECK(view->last_seq() == 100);
  CHECK(view->id().size() == 36);  // the UUID RocksDB wrote at creation, the same in every view
  CHECK(view->id() == open_store(path, view_options())->id());
  CHECK(view->id() != open_store(dir / "other")->id());
  CHECK(drain(view->scan_execution("run-a")).size() == 100);
  CHECK(view->append(std::vector<Event>(1)).code() == Status::Code::kNotSupported);

  writer.write_line("append run-b 50");
  REQUIRE(writer.read_line() == "ok 150");
  CHECK(drain(view->scan_arrival()).size() == 100);  // not refreshed yet
  REQUIRE(view->refresh().ok());
  CHECK(view->last_seq() == 150);
  CHECK(drain(view->scan_arrival(100)).size() == 50);
  ExecutionSummary b;
  REQUIRE(view->get_execution("run-b", &b).ok());
  CHECK(b.event_count == 50);
  CHECK(b.duration_ns() == 49'000'000);

  writer.write_line("quit");
  CHECK(writer.wait() == 0);
  auto reopened = open_store(path);
  CHECK(reopened->last_seq() == 150);
}

TEST_CASE("a view sees each write at its next refresh; reused iterators never show it an older store",
          "[store][process]") {
  TempDir dir;
  const std::string path = dir / "db";
  auto writer = std::make_unique<testing::Child>(
      std::vector<std::string>{testing::program("STREAMLL_TEST_WRITER"), path});
  REQUIRE(writer->read_line() == "open");
  writer->write_line("append run-a 10");
  REQUIRE(writer->read_line() == "ok 10");
  auto view = open_store(path, view_options());
  // The last event of the store, read through the view as SQL's plans do:
  // by execution (a pooled index and block iterator), then by id.
  const auto check_sees = [&](size_t events) {
    INFO(events << " events written");
    for (int twice = 0; twice < 2; ++twice) {  // the second read reuses what the first gave back
      REQUIRE(view->refresh().ok());
      CHECK(view->last_seq() == events);
      const auto run = drain(view->scan_execution("run-a"));
      REQUIRE(run.size() == events);
      CHECK(run.back().second == events);
      const auto by_id = drain(view->lookup(run.back().first));
      REQUIRE(by_id.size() == 1);
      CHECK(by_id[0].second == events);
      CHECK(drain(view->scan_execution("run-a", TimeRange{}, ScanOrder::kNewestFirst)).front().second == events);
    }
  };
  check_sees(10);
  for (size_t round = 2; round <= 12; ++round) {
    if (round == 7) {
      // The writer's close flushes its memtables: new tables, a new MANIFEST.
      writer->write_line("quit");
      REQUIRE(writer->wait() == 0);
      writer = std::make_unique<testing::Child>(
          std::vector<std::string>{testing::program("STREAMLL_TEST_WRITER"), path});
      REQUIRE(writer->read_line() == "open");
    }
    writer->write_line("append run-a 10");
    REQUIRE(writer->read_line() == fmt::format("ok {}", round * 10));
    check_sees(round * 10);
  }
  writer->write_line("quit");
  CHECK(writer->wait() == 0);
}

TEST_CASE("a change watch reports each change to its directory once, and a directory removed and made again",
          "[store]") {
  TempDir dir;
  const std::filesystem::path watched = dir / "db";
  std::filesystem::create_directory(watched);
  detail::ChangeWatch watch(watched.string());
  CHECK_FALSE(watch.poll());
  std::ofstream(watched / "000001.log") << "x";  // made, written, closed
  CHECK(watch.poll());
  CHECK_FALSE(watch.poll());  // told once
  {
    std::ofstream log(watched / "000001.log", std::ios::app);
    log << "more";
  }
  CHECK(watch.poll());
  CHECK_FALSE(watch.poll());
  std::ofstream(dir / "outside") << "x";  // beside the directory: not its change
  CHECK_FALSE(watch.poll());
  std::filesystem::remove_all(watched);
  CHECK(watch.poll());
  CHECK(watch.poll());  // nothing to watch: "changed" until there is
  std::filesystem::create_directory(watched);
  CHECK(watch.poll());  // watched again from here
  CHECK_FALSE(watch.poll());
  std::filesystem::rename(dir / "outside", watched / "moved-in");
  CHECK(watch.poll());
}

namespace {

// The keys format versions 3 and 4 kept per event (doc/format.md before
// version 5): by_execution execution_id 0x00 ts(8) seq(8), by_time ts(8) seq(8),
// ts with its sign bit flipped, both big-endian, values empty.
std::string old_index_key(std::string_view prefix, int64_t ts, uint64_t seq) {
  std::string key(prefix);
  for (const uint64_t v : {static_cast<uint64_t>(ts) ^ (uint64_t{1} << 63), seq}) {
    for (int i = 7; i >= 0; --i) key.push_back(static_cast<char>(v >> (8 * i)));
  }
  return key;
}

// (execution_id, event_id) of every event, in the order `it` gives them.
std::vector<std::pair<std::string, std::string>> ids_of(std::unique_ptr<EventIterator> it) {
  std::vector<std::pair<std::string, std::string>> out;
  for (; it->valid(); it->next()) out.emplace_back(it->view().execution_id, it->view().event_id);
  REQUIRE(it->status().ok());
  return out;
}

}  // namespace

TEST_CASE("a store of format version 3 or 4 is converted by a writer's open; a view says so and changes nothing",
          "[store][convert]") {
  const std::string old_version = GENERATE("3", "4");
  TempDir dir;
  testing::EventGenerator gen(5);
  std::vector<std::tuple<std::string, int64_t, uint64_t>> events;  // execution, ts, seq
  std::vector<std::pair<std::string, std::string>> by_time, by_execution, by_time_desc;
  {
    auto store = open_store(dir / "db");
    for (int b = 0; b < 5; ++b) REQUIRE(store->append(mixed_events(gen, 300, 6)).ok());
    for (auto it = store->scan_all(); it->valid(); it->next()) {
      events.emplace_back(it->view().execution_id, it->view().timestamp, it->view().seq);
    }
    by_time = ids_of(store->scan_time({}));
    by_time_desc = ids_of(store->scan_time({}, ScanOrder::kNewestFirst));
    by_execution = ids_of(store->scan_execution("exec-2", {}));
  }
  REQUIRE(events.size() == 1500);
  // The store as an older build wrote it.
  edit_raw(dir / "db", [&](rocksdb::DB* raw, auto& cf) {
    for (const char* family : {"by_execution", "by_time"}) {
      std::unique_ptr<rocksdb::Iterator> it(raw->NewIterator(rocksdb::ReadOptions(), cf[family]));
      for (it->SeekToFirst(); it->Valid(); it->Next()) REQUIRE(raw->Delete(rocksdb::WriteOptions(), cf[family], it->key()).ok());
    }
    for (const auto& [execution, ts, seq] : events) {
      REQUIRE(raw->Put(rocksdb::WriteOptions(), cf["by_execution"], old_index_key(execution + '\0', ts, seq), "").ok());
      REQUIRE(raw->Put(rocksdb::WriteOptions(), cf["by_time"], old_index_key("", ts, seq), "").ok());
    }
    REQUIRE(raw->Put(rocksdb::WriteOptions(), "streamll.format_version", old_version).ok());
  });

  std::unique_ptr<Store> view;
  const Status refused = Store::open(dir / "db", view_options(), &view);
  CHECK(refused.is_invalid_argument());
  CHECK(refused.message().find("store format version " + old_version +
                               " was written by an older build; this one reads version 5 and converts the store "
                               "when it first opens it for writing. Nothing was changed: run `streamll --db") !=
        std::string::npos);

  // Converted by a writer's open, or by repair (what the message suggests).
  if (GENERATE(false, true)) {
    RepairReport repaired;
    REQUIRE(Store::repair(dir / "db", &repaired).ok());
    CHECK(!repaired.repaired);
    CHECK(repaired.converted_from == std::stoi(old_version));
    REQUIRE(Store::open(dir / "db", view_options(), &view).ok());
    CHECK(ids_of(view->scan_time({})) == by_time);
    view.reset();
  }
  auto store = open_store(dir / "db");
  CHECK(ids_of(store->scan_time({})) == by_time);
  CHECK(ids_of(store->scan_time({}, ScanOrder::kNewestFirst)) == by_time_desc);
  CHECK(ids_of(store->scan_execution("exec-2", {})) == by_execution);
  VerifyReport report;
  const Status verified = store->verify(&report);
  INFO(verified.to_string());
  CHECK(verified.ok());
  CHECK(report.events == 1500);
  StoreStats st;
  REQUIRE(store->stats(&st).ok());
  CHECK(st.format_version == 5);
  // The next append and every reader go on as in any version 5 store.
  REQUIRE(store->append(mixed_events(gen, 10, 2)).ok());
  CHECK(store->verify().ok());
  store.reset();
  REQUIRE(Store::open(dir / "db", view_options(), &view).ok());
  CHECK(ids_of(view->scan_all()).size() == 1510);
}

TEST_CASE("verify passes on a sound store and names each kind of damage", "[store][verify]") {
  TempDir dir;
  testing::EventGenerator gen(11);
  std::set<std::string> types;
  std::string some_id;
  {
    auto store = open_store(dir / "db");
    for (int b = 0; b < 4; ++b) {
      auto batch = mixed_events(gen, 250, 7);
      for (const auto& e : batch) types.insert(e.event_type);
      REQUIRE(store->append(batch).ok());
      some_id = batch[17].event_id;
    }
    VerifyReport report;
    const Status s = store->verify(&report);
    INFO(s.to_string());
    REQUIRE(s.ok());
    CHECK(report.events == 1000);
    CHECK(report.executions == 7);
    CHECK(report.event_types == types.size());
    CHECK(report.problem_count == 0);
    // A view checks the same store beside its writer.
    auto view = open_store(dir / "db", view_options());
    CHECK(view->verify().ok());
  }

  SECTION("a missing index entry") {
    edit_raw(dir / "db", [&](rocksdb::DB* raw, auto& cf) {
      REQUIRE(raw->Delete(rocksdb::WriteOptions(), cf["by_id"], some_id).ok());
    });
    VerifyReport report;
    const Status s = open_store(dir / "db")->verify(&report);
    CHECK(s.is_corruption());
    REQUIRE(report.problem_count == 1);
    CHECK(report.problems[0] == "by_id: no entry for key \"" + some_id + "\"");
  }
  SECTION("an index entry that points nowhere, and one that points to another event") {
    edit_raw(dir / "db", [&](rocksdb::DB* raw, auto& cf) {
      REQUIRE(raw->Put(rocksdb::WriteOptions(), cf["by_id"], "no-such-event", "exec-1").ok());
      std::string primary;
      REQUIRE(raw->Get(rocksdb::ReadOptions(), cf["by_id"], some_id, &primary).ok());
      primary.back() ^= 1;  // the seq of a neighbour, or of nothing
      REQUIRE(raw->Put(rocksdb::WriteOptions(), cf["by_id"], some_id, primary).ok());
    });
    VerifyReport report;
    CHECK(open_store(dir / "db")->verify(&report).is_corruption());
    REQUIRE(report.problem_count == 2);
    const std::set<std::string> found(report.problems.begin(), report.problems.end());
    CHECK(found == std::set<std::string>{"by_id: key \"no-such-event\" points to no event",
                                         "by_id: key \"" + some_id + "\" points to another event"});
  }
  SECTION("a packed index entry that lacks a pair, one that names no event, one outside its bucket") {
    uint64_t lost_seq = 0, extra_seq = 0;
    int64_t lost_ts = 0;
    edit_raw(dir / "db", [&](rocksdb::DB* raw, auto& cf) {
      // The first by_time entry loses its first pair.
      std::unique_ptr<rocksdb::Iterator> it(raw->NewIterator(rocksdb::ReadOptions(), cf["by_time"]));
      it->SeekToFirst();
      REQUIRE(it->Valid());
      std::vector<postings::Posting> pairs;
      REQUIRE(postings::decode(it->value().ToString(), &pairs).ok());
      REQUIRE(pairs.size() > 1);
      lost_seq = pairs.front().seq;
      lost_ts = pairs.front().ts;
      pairs.erase(pairs.begin());
      std::string value;
      postings::encode(pairs, &value);
      const std::string key = it->key().ToString();
      it.reset();
      REQUIRE(raw->Put(rocksdb::WriteOptions(), cf["by_time"], key, value).ok());
      // An execution entry naming a seq no event has; a time entry holding a
      // pair of a later bucket (and so not where a scan of that time looks).
      extra_seq = 5000;
      value.clear();
      postings::encode({{1'700'000'000'000'000'000, extra_seq}}, &value);
      REQUIRE(raw->Put(rocksdb::WriteOptions(), cf["by_execution"], std::string("exec-9\0", 7) + std::string(7, '\0') + "\x01",
                       value).ok());
      value.clear();
      postings::encode({{lost_ts + (int64_t{1} << 40), lost_seq}}, &value);
      REQUIRE(raw->Put(rocksdb::WriteOptions(), cf["by_time"], key.substr(0, 8) + std::string(7, '\0') + "\x02", value).ok());
    });
    VerifyReport report;
    CHECK(open_store(dir / "db")->verify(&report).is_corruption());
    const std::set<std::string> found(report.problems.begin(), report.problems.end());
    INFO(fmt::format("{}", fmt::join(report.problems, "\n")));
    CHECK(found.count(fmt::format("by_time: no entry for seq {} at {}", lost_seq, format_timestamp(lost_ts))) == 1);
    CHECK(found.count(fmt::format("by_execution: execution \"exec-9\", seq {} at {} points to no event", extra_seq,
                                  format_timestamp(1'700'000'000'000'000'000))) == 1);
    CHECK(std::any_of(found.begin(), found.end(), [&](const std::string& p) {
      return p.find(fmt::format("holds seq {} at", lost_seq)) != std::string::npos &&
             p.ends_with("which its key does not cover");
    }));
  }
  SECTION("a summary that disagrees with its events") {
    edit_raw(dir / "db", [&](rocksdb::DB* raw, auto& cf) {
      REQUIRE(raw->Put(rocksdb::WriteOptions(), cf["executions"], "exec-3", std::string(32, '\0')).ok());
      REQUIRE(raw->Delete(rocksdb::WriteOptions(), cf["types"], *types.begin()).ok());
    });
    VerifyReport report;
    const Status s = open_store(dir / "db")->verify(&report);
    CHECK(s.is_corruption());
    CHECK(s.message().find("2 problems found") != std::string::npos);
    REQUIRE(report.problem_count == 2);
    CHECK(report.problems[0].starts_with("executions: \"exec-3\" says 0 events, 0 errors"));
    CHECK(report.problems[1].starts_with("event_types: no summary for \"" + *types.begin() + "\""));
  }
  SECTION("flipped bytes in a table file") {
    // Opening it directly flushes every family to a table file; the events'
    // is the largest.
    edit_raw(dir / "db", [](rocksdb::DB*, auto&) {});
    std::vector<std::filesystem::path> tables;
    for (const auto& f : std::filesystem::directory_iterator(dir / "db")) {
      if (f.path().extension() == ".sst") tables.push_back(f.path());
    }
    REQUIRE(!tables.empty());
    std::sort(tables.begin(), tables.end(), [](const auto& a, const auto& b) {
      return std::filesystem::file_size(a) > std::filesystem::file_size(b);
    });
    {
      std::fstream file(tables[0], std::ios::in | std::ios::out | std::ios::binary);
      file.seekp(200);
      file.write("\xde\xad\xbe\xef", 4);
    }
    std::unique_ptr<Store> store;
    REQUIRE(Store::open(dir / "db", {}, &store).ok());  // only the damaged block is unreadable
    VerifyReport report;
    const Status s = store->verify(&report);
    CHECK(s.is_corruption());
    REQUIRE(report.problem_count >= 1);
    CHECK(report.problems[0].starts_with("table files: Corruption: block checksum mismatch"));
  }
}

namespace {

std::set<std::string> table_files(const std::string& path) {
  std::set<std::string> out;
  for (const auto& f : std::filesystem::directory_iterator(path)) {
    if (f.path().extension() == ".sst") out.insert(f.path().filename().string());
  }
  return out;
}

// Events a fresh open of `path` reads in arrival order, or the open's error.
Status count_events(const std::string& path, StoreOptions options, uint64_t* n) {
  std::unique_ptr<Store> store;
  if (Status s = Store::open(path, options, &store); !s.ok()) return s;
  *n = 0;
  auto it = store->scan_arrival(0);
  for (; it->valid(); it->next()) ++*n;
  return it->status();
}

std::string current_manifest(const std::string& path) {
  std::ifstream in(std::filesystem::path(path) / "CURRENT");
  std::string name;
  std::getline(in, name);
  return (std::filesystem::path(path) / name).string();
}

}  // namespace

TEST_CASE("the store's identity survives its IDENTITY file being deleted, and repair", "[store][damage]") {
  TempDir dir;
  testing::EventGenerator gen(9);
  std::string id;
  {
    auto store = open_store(dir / "db");
    REQUIRE(store->append(mixed_events(gen, 50, 2)).ok());
    id = store->id();
    REQUIRE(!id.empty());
  }
  std::filesystem::remove(dir / "db/IDENTITY");
  CHECK(open_store(dir / "db", view_options())->id() == id);
  CHECK(open_store(dir / "db")->id() == id);  // RocksDB wrote a new IDENTITY file
  CHECK(open_store(dir / "db", view_options())->id() == id);
}

TEST_CASE("the smallest and largest timestamps are found by every scan; the span between them is exact",
          "[store]") {
  TempDir dir;
  testing::EventGenerator gen(8);
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min(), kMax = std::numeric_limits<int64_t>::max();
  std::vector<Event> events = {gen.event("edge", kMin), gen.event("edge", 0), gen.event("edge", kMax)};
  auto store = open_store(dir / "db");
  REQUIRE(store->append(events).ok());
  const std::vector<std::pair<std::string, uint64_t>> all = {
      {events[0].event_id, 1}, {events[1].event_id, 2}, {events[2].event_id, 3}};
  const auto reversed = std::vector<std::pair<std::string, uint64_t>>(all.rbegin(), all.rend());
  CHECK(drain(store->scan_time({})) == all);
  CHECK(drain(store->scan_time({}, ScanOrder::kNewestFirst)) == reversed);
  CHECK(drain(store->scan_execution("edge")) == all);
  CHECK(drain(store->scan_execution("edge", {}, ScanOrder::kNewestFirst)) == reversed);
  CHECK(drain(store->scan_time_keys({})).size() == 3);
  CHECK(drain(store->lookup(events[2].event_id)).size() == 1);
  // A range from the largest timestamp on holds just that event; one ending
  // just before it, everything else.
  CHECK(drain(store->scan_time({kMax, kMax})) == std::vector{all[2]});
  CHECK(drain(store->scan_execution("edge", {kMax, kMax})) == std::vector{all[2]});
  CHECK(drain(store->scan_time({kMin, kMax - 1})) == std::vector{all[0], all[1]});
  CHECK(drain(store->scan_time({kMin, kMin})).empty());
  EventFilter filter;
  filter.range.since = 1;
  CHECK(drain(store->scan(filter)) == std::vector{all[2]});
  ExecutionSummary summary;
  REQUIRE(store->get_execution("edge", &summary).ok());
  CHECK(summary.first_ts == kMin);
  CHECK(summary.last_ts == kMax);
  CHECK(summary.duration_ns() == std::numeric_limits<uint64_t>::max());
}

TEST_CASE("a MANIFEST cut short: every open reads everything or fails, and no table file is deleted",
          "[store][damage]") {
  TempDir dir;
  testing::EventGenerator gen(5);
  // Two writer sessions: the second's MANIFEST starts with the tables of
  // the first and ends with the flushes of its own, made at close, after
  // which the write-ahead log that also held them is gone.
  for (int session = 0; session < 2; ++session) {
    auto store = open_store(dir / "db");
    REQUIRE(store->append(mixed_events(gen, 700, 5)).ok());
  }
  const std::string id = open_store(dir / "db", view_options())->id();
  const uint64_t manifest_size = std::filesystem::file_size(current_manifest(dir / "db"));
  int repaired_trials = 0;
  const uint64_t stride = std::max<uint64_t>(1, manifest_size / 80);
  int refused_naming_a_table = 0;
  int trials = 0;
  for (uint64_t cut = 1; cut < manifest_size; cut += stride) {
    ++trials;
    const std::string copy = dir / ("cut" + std::to_string(cut));
    std::filesystem::copy(dir / "db", copy, std::filesystem::copy_options::recursive);
    std::filesystem::resize_file(current_manifest(copy), manifest_size - cut);
    const std::set<std::string> before = table_files(copy);
    INFO("MANIFEST cut by " << cut << " of " << manifest_size << " bytes");
    uint64_t n = 0;
    const Status read = count_events(copy, view_options(), &n);
    INFO("view: " << read.to_string());
    CHECK((!read.ok() || n == 1400));
    // A cut that drops the close's last edits leaves a table unlisted, or
    // (the close compacts the summaries) lists the tables it replaced.
    if (read.message().find("is not in the MANIFEST") != std::string::npos ||
        read.message().find("which is missing") != std::string::npos) {
      ++refused_naming_a_table;
    }
    const Status write = count_events(copy, {}, &n);
    INFO("writer: " << write.to_string());
    if (write.ok()) {
      CHECK(n == 1400);
    } else {
      // A refusal changed nothing: every table file is still there.
      const std::set<std::string> after = table_files(copy);
      CHECK(std::includes(after.begin(), after.end(), before.begin(), before.end()));
      CHECK(!write.message().empty());
      // repair() rebuilds the MANIFEST from the tables: everything is back,
      // sound, under the same identity (replication checkpoints follow it).
      RepairReport report;
      const Status repaired = Store::repair(copy, &report);
      INFO("repair: " << repaired.to_string());
      REQUIRE(repaired.ok());
      CHECK(report.repaired);
      CHECK(report.damage == write.message());
      CHECK(std::find(report.set_aside.begin(), report.set_aside.end(),
                      std::filesystem::path(current_manifest(dir / "db")).filename().string()) !=
            report.set_aside.end());
      CHECK(count_events(copy, view_options(), &n).ok());
      CHECK(n == 1400);
      auto store = open_store(copy, view_options());
      CHECK(store->id() == id);
      CHECK(store->verify().ok());
      ++repaired_trials;
    }
    std::filesystem::remove_all(copy);
  }
  INFO(trials << " cuts");
  CHECK(refused_naming_a_table > 0);
  CHECK(repaired_trials > 0);
}

TEST_CASE("a table file cut short or deleted fails every open, naming the file; crash leftovers do not",
          "[store][damage]") {
  TempDir dir;
  testing::EventGenerator gen(6);
  {
    auto store = open_store(dir / "db");
    REQUIRE(store->append(mixed_events(gen, 500, 4)).ok());
  }
  const std::set<std::string> tables = table_files(dir / "db");
  REQUIRE(!tables.empty());
  std::string largest;
  for (const auto& t : tables) {
    if (largest.empty() || std::filesystem::file_size(dir / ("db/" + t)) >
                               std::filesystem::file_size(dir / ("db/" + largest))) {
      largest = t;
    }
  }
  const std::string file = dir / ("db/" + largest);
  uint64_t n = 0;

  SECTION("cut short") {
    std::filesystem::resize_file(file, std::filesystem::file_size(file) - 1);
    for (const StoreOptions& options : {view_options(), StoreOptions{}}) {
      const Status s = count_events(dir / "db", options, &n);
      INFO(s.to_string());
      CHECK(s.is_corruption());
      CHECK(s.message().find("table file " + largest + " is ") != std::string::npos);
      CHECK(s.message().find("cut short or overwritten") != std::string::npos);
    }
  }
  SECTION("deleted") {
    std::filesystem::remove(file);
    const Status s = count_events(dir / "db", view_options(), &n);
    INFO(s.to_string());
    CHECK(s.is_corruption());
    CHECK(s.message().find("lists table file " + largest + ", which is missing") != std::string::npos);
    const Status w = count_events(dir / "db", {}, &n);
    CHECK(w.is_corruption());
    CHECK(w.message().find("lists table file " + largest + ", which is missing") != std::string::npos);
  }
  SECTION("after a clean close, any table the MANIFEST does not list is damage") {
    std::filesystem::copy_file(file, dir / "db/900001.sst");
    for (const StoreOptions& options : {view_options(), StoreOptions{}}) {
      const Status s = count_events(dir / "db", options, &n);
      INFO(s.to_string());
      CHECK(s.is_corruption());
      CHECK(s.message().find("table file 900001.sst (") != std::string::npos);
      CHECK(s.message().find("last writer closed cleanly") != std::string::npos);
    }
    CHECK(std::filesystem::exists(dir / "db/900001.sst"));
  }
  SECTION("beside a writer that crashed, an unlisted copy of a listed table and an incomplete table are "
          "what a crash leaves: accepted") {
    std::filesystem::copy_file(file, dir / "db/900001.sst");
    {
      std::ofstream partial(dir / "db/900002.sst", std::ios::binary);
      partial << std::string(3000, 'x');
      std::ofstream marker(dir / "db/WRITER");  // the crashed writer's
    }
    REQUIRE(count_events(dir / "db", view_options(), &n).ok());
    CHECK(n == 500);
    REQUIRE(count_events(dir / "db", {}, &n).ok());
    CHECK(n == 500);
    // That writer's open cleared what the crash left, and its clean close the marker.
    CHECK(!std::filesystem::exists(dir / "db/900001.sst"));
    CHECK(!std::filesystem::exists(dir / "db/WRITER"));
  }
  SECTION("repair leaves a sound store unchanged, and stops at a table it cannot read") {
    RepairReport report;
    REQUIRE(Store::repair(dir / "db", &report).ok());
    CHECK(!report.repaired);
    CHECK(!std::filesystem::exists(dir / "db/lost"));
    std::filesystem::resize_file(file, std::filesystem::file_size(file) - 1);
    const Status s = Store::repair(dir / "db", &report);
    INFO(s.to_string());
    CHECK(s.is_corruption());
    CHECK(s.message().find("table file " + largest + " is not a readable table (") != std::string::npos);
    CHECK(!report.repaired);
    CHECK(table_files(dir / "db") == tables);
    // Told to go on: the table is kept in lost/, and verify names what is missing.
    const Status forced = Store::repair(dir / "db", &report, /*set_aside_unreadable=*/true);
    INFO(forced.to_string());
    REQUIRE(forced.ok());
    CHECK(report.repaired);
    CHECK(std::filesystem::exists(dir / ("db/lost/" + largest)));
    CHECK(open_store(dir / "db", view_options())->verify().is_corruption());
  }
}

TEST_CASE("a version 2 store is refused unchanged, with the way to carry its events over", "[store]") {
  TempDir dir;
  const std::string path = dir / "v2";
  {
    // The families of format version 2, as a build of it left them.
    rocksdb::Options options;
    options.create_if_missing = true;
    options.create_missing_column_families = true;
    std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
    for (const char* name : {"default", "events", "by_seq", "by_time", "by_id", "executions", "types"}) {
      cfs.emplace_back(name, rocksdb::ColumnFamilyOptions());
    }
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* raw = nullptr;
    REQUIRE(rocksdb::DB::Open(options, path, cfs, &handles, &raw).ok());
    REQUIRE(raw->Put(rocksdb::WriteOptions(), "streamll.format_version", "2").ok());
    for (auto* h : handles) raw->DestroyColumnFamilyHandle(h);
    delete raw;
  }
  for (const auto mode : {StoreOptions::Mode::kReadWrite, StoreOptions::Mode::kReadOnlyLive}) {
    StoreOptions options;
    options.mode = mode;
    std::unique_ptr<Store> store;
    const Status s = Store::open(path, options, &store);
    INFO(s.to_string());
    CHECK(s.is_invalid_argument());
    CHECK(s.message().find("format version 2 is not readable by this build, which reads version 5") !=
          std::string::npos);
    CHECK(s.message().find("export > events.jsonl") != std::string::npos);
  }
  std::vector<std::string> names;
  REQUIRE(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), path, &names).ok());
  CHECK(std::find(names.begin(), names.end(), "blocks") == names.end());
}

TEST_CASE("a writer's close after many appends flushes every family: no log left to replay, no writer marker",
          "[store]") {
  TempDir dir;
  testing::EventGenerator gen(23);
  size_t appended = 0;
  {
    auto store = open_store(dir / "db");
    // Enough for the log's 4 MiB memtables to be switched out and flushed
    // while appends go on, so that the close finds some still flushing.
    for (int i = 0; i < 40; ++i) {
      const std::vector<Event> batch = mixed_events(gen, 1000, 16);
      AppendResult r;
      REQUIRE(store->append(batch, &r).ok());
      appended += r.appended;
    }
    REQUIRE(std::filesystem::exists(dir / "db/WRITER"));
  }
  CHECK(!std::filesystem::exists(dir / "db/WRITER"));
  uintmax_t log_bytes = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir / "db")) {
    if (entry.path().extension() == ".log") log_bytes += entry.file_size();
  }
  CHECK(log_bytes == 0);  // every memtable written to tables, so their logs were deleted
  size_t n = 0;
  REQUIRE(count_events(dir / "db", view_options(), &n).ok());
  CHECK(n == appended);
}

TEST_CASE("a view's private directory is removed at close, and those of killed processes by the next view",
          "[store]") {
  TempDir dir;
  { open_store(dir / "db"); }
  const std::string tmp = dir / "tmp";
  std::filesystem::create_directories(tmp);
  const char* old_tmpdir = std::getenv("TMPDIR");
  const std::string saved = old_tmpdir != nullptr ? old_tmpdir : "";
  ::setenv("TMPDIR", tmp.c_str(), 1);
  const std::filesystem::path views = std::filesystem::path(tmp) / ("streamll-views-" + std::to_string(::getuid()));
  // A process that is gone: one that ran and was reaped.
  const pid_t gone = ::fork();
  if (gone == 0) ::_exit(0);
  ::waitpid(gone, nullptr, 0);
  std::filesystem::create_directories(views / (std::to_string(gone) + "-abcdef"));
  std::ofstream(views / (std::to_string(gone) + "-abcdef") / "LOG") << "left by a killed reader";
  std::filesystem::create_directories(views / (std::to_string(::getpid()) + "-alive0"));
  {
    auto view = open_store(dir / "db", view_options());
    CHECK(!std::filesystem::exists(views / (std::to_string(gone) + "-abcdef")));
    CHECK(std::filesystem::exists(views / (std::to_string(::getpid()) + "-alive0")));
    size_t mine = 0;
    for (const auto& e : std::filesystem::directory_iterator(views)) mine += e.path().filename() != (std::to_string(::getpid()) + "-alive0");
    CHECK(mine == 1);  // the open view's own
  }
  size_t left = 0;
  for (const auto& e : std::filesystem::directory_iterator(views)) left += e.path().filename() != (std::to_string(::getpid()) + "-alive0");
  CHECK(left == 0);
  if (old_tmpdir != nullptr) {
    ::setenv("TMPDIR", saved.c_str(), 1);
  } else {
    ::unsetenv("TMPDIR");
  }
}

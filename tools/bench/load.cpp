#include "load.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <ctime>
#include <iterator>
#include <memory>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "streamll/store.hpp"
#include "streamll/timestamp.hpp"

namespace streamll::bench {

Status for_each_batch(Events events, size_t batch, const std::function<Status(Events)>& fn) {
  for (size_t i = 0; i < events.size(); i += batch) {
    if (Status s = fn(events.subspan(i, std::min(batch, events.size() - i))); !s.ok()) return s;
  }
  return Status::ok_status();
}

namespace {

// CPU seconds used so far by `clock` (CLOCK_THREAD_CPUTIME_ID: the calling
// thread; CLOCK_PROCESS_CPUTIME_ID: all of the process's threads).
double cpu_seconds(clockid_t clock) {
  timespec t{};
  clock_gettime(clock, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

}  // namespace

Status write_store(Events events, size_t batch, const std::string& dir, std::vector<Tenth>* tenths) {
  std::unique_ptr<Store> store;
  if (Status s = Store::open(dir, StoreOptions{}, &store); !s.ok()) return s;
  size_t done = 0, tenth_start = 0;
  auto last = std::chrono::steady_clock::now();
  double writer_last = cpu_seconds(CLOCK_THREAD_CPUTIME_ID);
  double process_last = cpu_seconds(CLOCK_PROCESS_CPUTIME_ID);
  const Status s = for_each_batch(events, batch, [&](Events slice) {
    Status appended = store->append(slice);
    done += slice.size();
    if (tenths != nullptr && (done - tenth_start) * 10 >= events.size()) {
      const auto now = std::chrono::steady_clock::now();
      const double writer = cpu_seconds(CLOCK_THREAD_CPUTIME_ID);
      const double process = cpu_seconds(CLOCK_PROCESS_CPUTIME_ID);
      const auto n = static_cast<double>(done - tenth_start);
      tenths->push_back(Tenth{.events_per_s = n / std::chrono::duration<double>(now - last).count(),
                              .writer_cpu_us = (writer - writer_last) * 1e6 / n,
                              // The two clocks are read one after the other: clamped at 0.
                              .background_cpu_us =
                                  std::max(0.0, (process - process_last) - (writer - writer_last)) * 1e6 / n});
      last = now;
      writer_last = writer;
      process_last = process;
      tenth_start = done;
    }
    return appended;
  });
  store.reset();  // closes, as the baselines close their files
  return s;
}

Status settle_store(const std::string& dir) {
  std::unique_ptr<Store> store;
  return Store::open(dir, StoreOptions{}, &store);  // closed as `store` goes
}

namespace {

enum Param { kEventId, kExecutionId, kTimestamp, kTsNs, kEventType, kModule, kMethod, kOperation, kData, kTags, kSeq };
constexpr const char* kParamNames[] = {":event_id",    ":execution_id", ":timestamp", ":ts_ns",
                                       ":event_type",  ":module_name",  ":method_name", ":operation",
                                       ":data",        ":tags",         ":seq"};
constexpr size_t kParamCount = std::size(kParamNames);

// Where each parameter is in a statement (0 where it does not name it), so
// that the loop binds only what the table stores and formats nothing else.
class Binder {
 public:
  Binder(Sqlite& db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {
    for (size_t p = 0; p < kParamCount; ++p) index_[p] = sqlite3_bind_parameter_index(stmt, kParamNames[p]);
  }

  // A parameter of another name would stay NULL: a typo, not a choice.
  Status check_all_known() const {
    const int named = static_cast<int>(std::count_if(index_.begin(), index_.end(), [](int i) { return i > 0; }));
    if (named == sqlite3_bind_parameter_count(stmt_)) return Status::ok_status();
    return Status::invalid_argument(fmt::format("{}: a parameter is none of {}", sqlite3_sql(stmt_),
                                                fmt::join(kParamNames, " ")));
  }

  bool wants(Param p) const { return index_[p] > 0; }

  // Binds SQLITE_STATIC: `value` must outlive the step.
  void text(Param p, std::string_view value) {
    if (wants(p)) sqlite3_bind_text(stmt_, index_[p], value.data(), static_cast<int>(value.size()), SQLITE_STATIC);
  }
  void int64(Param p, int64_t value) {
    if (wants(p)) sqlite3_bind_int64(stmt_, index_[p], value);
  }
  void null(Param p) {
    if (wants(p)) sqlite3_bind_null(stmt_, index_[p]);
  }

  Status step() {
    const Status s = db_.check(sqlite3_step(stmt_), "insert");
    sqlite3_reset(stmt_);
    return s;
  }

 private:
  Sqlite& db_;
  sqlite3_stmt* stmt_;
  std::array<int, kParamCount> index_{};
};

}  // namespace

Status insert_events(Sqlite& db, const char* insert_sql, Events events, size_t batch) {
  Statement insert(nullptr, sqlite3_finalize);
  if (Status s = db.prepare(insert_sql, &insert); !s.ok()) return s;
  Binder bind(db, insert.get());
  if (Status s = bind.check_all_known(); !s.ok()) return s;
  std::string timestamp, data, tags;  // bound SQLITE_STATIC: they must outlive the step
  int64_t seq = 0;
  return for_each_batch(events, batch, [&](Events slice) {
    if (Status s = db.exec("BEGIN"); !s.ok()) return s;
    for (const Event& e : slice) {
      bind.text(kEventId, e.event_id);
      bind.text(kExecutionId, e.execution_id);
      if (bind.wants(kTimestamp)) {
        timestamp = format_timestamp(e.timestamp);
        bind.text(kTimestamp, timestamp);
      }
      bind.int64(kTsNs, e.timestamp);
      bind.text(kEventType, e.event_type);
      bind.text(kModule, e.module_name);
      bind.text(kMethod, e.method_name);
      if (e.operation) {
        bind.text(kOperation, *e.operation);
      } else {
        bind.null(kOperation);
      }
      if (bind.wants(kData)) {
        // The store's serialization (src/event/event.cpp): invalid UTF-8
        // replaced, not thrown on, so the two hold the same text.
        data = e.data.dump(-1, ' ', false, Json::error_handler_t::replace);
        bind.text(kData, data);
      }
      if (bind.wants(kTags)) {
        tags = Json(e.tags).dump(-1, ' ', false, Json::error_handler_t::replace);
        bind.text(kTags, tags);
      }
      bind.int64(kSeq, ++seq);
      if (Status s = bind.step(); !s.ok()) return s;
    }
    return db.exec("COMMIT");
  });
}

}  // namespace streamll::bench

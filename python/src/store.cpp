// Reading a store from Python: a read-only live view (the store may be
// written by this process's runtime or by another process meanwhile),
// cursors that read in batches with the GIL released, and replay with its
// pacing done with the GIL released.
#include <pybind11/stl.h>

#include <atomic>
#include <deque>

#include <fmt/format.h>

#include "bindings.hpp"
#include "convert.hpp"
#include "streamll/replay.hpp"
#include "streamll/store.hpp"

namespace streamll::python {

namespace {

std::atomic<bool> g_store_used{false};

// Runs `read` with the GIL released and raises its failure.
template <typename Read>
void read_released(Read&& read) {
  Status s;
  {
    py::gil_scoped_release release;
    s = read();
  }
  if (!s.ok()) raise_status(s);
}

// Events of one scan, read ahead kBatch at a time off the GIL (record
// decoding and JSON parsing included), handed out one by one with it.
class EventCursor {
 public:
  static constexpr size_t kBatch = 256;

  EventCursor(std::shared_ptr<Store> store, std::unique_ptr<EventIterator> it)
      : store_(std::move(store)), it_(std::move(it)) {}

  py::object next() {
    if (ready_.empty()) {
      Status s;
      {
        py::gil_scoped_release release;
        s = fill();
      }
      if (!s.ok()) raise_status(s);
      if (ready_.empty()) throw py::stop_iteration();
    }
    py::object out = event_to_python(ready_.front());
    ready_.pop_front();
    return out;
  }

 private:
  Status fill() {
    for (; it_->valid() && ready_.size() < kBatch; it_->next()) {
      Event e;
      if (Status s = to_event(it_->view(), &e); !s.ok()) return s;
      ready_.push_back(std::move(e));
    }
    return it_->status();
  }

  // The iterator must not outlive its store: a cursor keeps the store open
  // after Store.close() until it is gone (members are destroyed in reverse).
  std::shared_ptr<Store> store_;
  std::unique_ptr<EventIterator> it_;
  std::deque<Event> ready_;
};

class StoreView {
 public:
  explicit StoreView(const std::string& path) {
    StoreOptions options;
    options.mode = StoreOptions::Mode::kReadOnlyLive;
    Status s;
    std::unique_ptr<Store> store;
    {
      py::gil_scoped_release release;
      s = Store::open(path, options, &store);
    }
    note_store_used();
    if (!s.ok()) raise_status(s);
    store_ = std::move(store);
  }

  // The store, held by the caller for the call: close() from another thread
  // (or a replay handler) cannot free it under a read with the GIL released.
  std::shared_ptr<Store> store() const {
    if (!store_) throw py::value_error("the store is closed");
    return store_;
  }

  std::shared_ptr<Store> refresh() {
    std::shared_ptr<Store> store = this->store();
    read_released([&] { return store->refresh(); });
    return store;
  }

  void close() {
    py::gil_scoped_release release;
    store_.reset();
  }

  py::list executions() {
    const auto store = refresh();
    std::vector<ExecutionSummary> summaries;
    read_released([&] { return store->list_executions(&summaries); });
    py::list out;
    for (const auto& x : summaries) {
      out.append(py::make_tuple(x.execution_id, ns_to_datetime(x.first_ts), ns_to_datetime(x.last_ts),
                                static_cast<double>(x.duration_ns()) / 1e9, x.event_count, x.error_count));
    }
    return out;
  }

  py::list event_types() {
    const auto store = refresh();
    std::vector<EventTypeSummary> types;
    read_released([&] { return store->list_event_types(&types); });
    py::list out;
    for (const auto& t : types) {
      out.append(py::make_tuple(t.event_type, t.count, ns_to_datetime(t.first_ts), ns_to_datetime(t.last_ts),
                                t.data_keys, t.data_keys_truncated));
    }
    return out;
  }

  py::object get(const std::string& event_id) {
    const auto store = refresh();
    Event e;
    Status s;
    {
      py::gil_scoped_release release;
      s = store->get(event_id, &e);
    }
    if (s.is_not_found()) return py::none();
    if (!s.ok()) raise_status(s);
    return event_to_python(e);
  }

  EventCursor scan(const EventFilter& filter) {
    std::shared_ptr<Store> store = refresh();
    std::unique_ptr<EventIterator> it;
    {
      py::gil_scoped_release release;
      it = store->scan(filter);
    }
    return EventCursor(std::move(store), std::move(it));
  }

  py::dict replay(const std::string& execution_id, const py::function& handler, double speed, bool max_speed) {
    const auto store = refresh();
    std::atomic<bool> cancel{false};
    ReplayOptions options;
    options.speed = speed;
    options.as_fast_as_possible = max_speed;
    options.cancel = &cancel;
    // The handler raised: remembered and raised again once the replay ended.
    std::optional<py::error_already_set> raised;
    ReplayStats stats;
    Status s;
    {
      py::gil_scoped_release release;
      s = streamll::replay(
          *store, execution_id, options,
          [&](const EventView& view) {
            py::gil_scoped_acquire gil;
            try {
              handler(event_to_python(view));
              if (PyErr_CheckSignals() != 0) throw py::error_already_set();  // Ctrl-C stops a long replay
              return Status::ok_status();
            } catch (py::error_already_set& e) {
              raised.emplace(std::move(e));
              cancel = true;
              return Status::ok_status();
            }
          },
          &stats);
    }
    if (raised) throw std::move(*raised);
    if (!s.ok()) raise_status(s);
    py::dict out;
    out["delivered"] = stats.delivered;
    out["total"] = stats.total;
    out["elapsed_s"] = stats.elapsed_s;
    out["cancelled"] = stats.cancelled;
    return out;
  }

  py::dict stats() {
    const auto store = this->store();
    StoreStats st;
    read_released([&] { return store->stats(&st); });
    py::dict out;
    out["events"] = st.events;
    out["executions"] = st.executions;
    out["event_types"] = st.event_types;
    out["last_seq"] = st.last_seq;
    out["oldest"] = st.events > 0 ? ns_to_datetime(st.oldest_ts) : py::none();
    out["newest"] = st.events > 0 ? ns_to_datetime(st.newest_ts) : py::none();
    out["format_version"] = st.format_version;
    py::dict families;
    for (const StoreStats::Family& f : st.families) {
      py::dict fam;
      fam["table_bytes"] = f.table_bytes;
      fam["memtable_bytes"] = f.memtable_bytes;
      fam["entries"] = f.entries;
      families[py::str(f.name)] = fam;
    }
    out["families"] = families;
    out["wal_bytes"] = st.wal_bytes;
    out["disk_bytes"] = st.disk_bytes;
    py::list replication;
    for (const ReplicationMark& m : st.replication) {
      py::dict mark;
      mark["target"] = m.target;
      mark["shipped_seq"] = m.seq;
      mark["updated"] = ns_to_datetime(m.updated_ns);
      replication.append(mark);
    }
    out["replication"] = replication;
    return out;
  }

  py::dict backup(const std::string& dest) {
    const auto store = this->store();
    BackupReport report;
    read_released([&] { return store->backup(dest, &report); });
    py::dict out;
    out["events"] = report.events;
    out["bytes"] = report.bytes;
    out["removed_partial"] = report.removed_partial;
    return out;
  }

  py::dict verify() {
    const auto store = this->store();
    VerifyReport report;
    Status s;
    {
      py::gil_scoped_release release;
      s = store->verify(&report);
    }
    py::dict out;
    out["ok"] = s.ok();
    out["events"] = report.events;
    out["executions"] = report.executions;
    out["event_types"] = report.event_types;
    out["problem_count"] = report.problem_count;
    out["problems"] = report.problems;
    return out;
  }

 private:
  std::shared_ptr<Store> store_;
};

int64_t bound_or(const py::object& value, int64_t fallback, const char* field) {
  return value.is_none() ? fallback : datetime_to_ns(value, field);
}

}  // namespace

void note_store_used() { g_store_used = true; }
bool store_used_in_process() { return g_store_used; }

void bind_store(py::module_& m) {
  py::class_<EventCursor>(m, "EventCursor")
      .def("__iter__", [](py::object self) { return self; })
      .def("__next__", &EventCursor::next);

  py::class_<StoreView>(m, "StoreView")
      .def(py::init<const std::string&>(), py::arg("path"))
      .def("refresh", &StoreView::refresh)
      .def("close", &StoreView::close)
      .def("executions", &StoreView::executions)
      .def("event_types", &StoreView::event_types)
      .def("get", &StoreView::get, py::arg("event_id"))
      .def(
          "events",
          [](StoreView& self, const std::string& execution_id, const py::object& since, const py::object& until,
             const std::string& event_type) {
            EventFilter filter;
            filter.execution_id = execution_id;
            filter.range.since = bound_or(since, filter.range.since, "since");
            filter.range.until = bound_or(until, filter.range.until, "until");
            filter.event_type = TypePattern(event_type);  // type_pattern.hpp's grammar
            return self.scan(filter);
          },
          py::arg("execution_id"), py::arg("since"), py::arg("until"), py::arg("event_type"))
      .def("replay", &StoreView::replay, py::arg("execution_id"), py::arg("handler"), py::arg("speed"),
           py::arg("max_speed"))
      .def("verify", &StoreView::verify)
      .def("stats", &StoreView::stats)
      .def("backup", &StoreView::backup)
      .def_property_readonly("last_seq", [](StoreView& v) { return v.store()->last_seq(); })
      .def_property_readonly("id", [](StoreView& v) { return v.store()->id(); });
}

}  // namespace streamll::python

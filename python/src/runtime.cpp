// The runtime from Python: init/shutdown/flush/stats/set_sinks over the C++
// runtime, and the emit hot path. emit_event converts the Python event on
// the caller's thread (the GIL is held: Python objects cannot be read
// later), its data straight to JSON text with the set_context() pairs of the
// caller's contextvars context beneath, and queues it; no I/O, no lock
// beyond the GIL (under overflow "block" the GIL is released around the
// push, which may wait for room).
#include <pybind11/stl.h>
#include <pthread.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <optional>

#include <fmt/format.h>

#include "bindings.hpp"
#include "convert.hpp"
#include "emit/event_policy.hpp"
#include "emit/runtime_access.hpp"
#include "streamll/context.hpp"
#include "streamll/emit.hpp"
#include "streamll/runtime.hpp"

namespace streamll::python {

namespace {

// State of the Python side of the runtime, guarded by the GIL.
struct EmitState {
  bool autostart_failed = false;  // the implicit start failed: do not retry per emit
  bool stopping = false;          // shutdown() runs: no implicit start (a sink emitting would deadlock it)
  bool release_gil = false;       // overflow "block": a full queue makes emit wait, without the GIL
  std::optional<detail::TypeFilter> filter;  // configure(event_filter=...)
  uint64_t filtered = 0;          // events the filter above rejected
};

EmitState& state() {
  static auto* s = new EmitState();
  return *s;
}

// The value of a ContextVar, or null when unset.
py::object context_value(PyObject* var) {
  PyObject* value = nullptr;
  if (var == nullptr || PyContextVar_Get(var, nullptr, &value) < 0) {
    PyErr_Clear();
    return py::object();
  }
  if (value == nullptr) return py::object();
  return py::reinterpret_steal<py::object>(value);
}

bool ensure_running() {
  if (detail::runtime_active()) return true;
  EmitState& s = state();
  if (s.autostart_failed || s.stopping || in_sink_delivery() || hooks().autostart == nullptr) return false;
  PyObject* r = PyObject_CallNoArgs(hooks().autostart);
  if (r == nullptr) throw py::error_already_set();
  const bool ok = r == Py_True;
  Py_DECREF(r);
  if (!ok) s.autostart_failed = true;
  return ok && detail::runtime_active();
}

bool emit_python_event(py::handle event) {
  if (!ensure_running()) return false;
  // set_context() pairs go beneath the event's own data (its keys win).
  EncodedEvent c = event_from_python(event, context_value(hooks().context_var));
  Event& e = c.envelope;
  EmitState& s = state();
  if (s.filter && !s.filter->allows(e.event_type)) {
    ++s.filtered;
    return false;
  }
  // What validate_event() checks beyond the conversion (which refused
  // non-JSON data, lone surrogates and deep nesting already); the pipeline
  // validates once more, but would only count the event, not say why.
  for (auto [value, field] : {std::pair<const std::string&, const char*>{e.event_id, "event_id"},
                              {e.event_type, "event_type"}}) {
    if (value.empty()) throw py::value_error(fmt::format("field '{}': must not be empty", field));
  }
  for (auto [value, field] : {std::pair<const std::string&, const char*>{e.event_id, "event_id"},
                              {e.execution_id, "execution_id"}}) {
    if (value.find('\0') != std::string::npos) {
      throw py::value_error(fmt::format("field '{}': contains a NUL character", field));
    }
  }
  if (e.execution_id.empty()) {
    py::object current = context_value(hooks().execution_var);
    e.execution_id = current && !current.is_none() ? std::string(utf8_of(current, "execution_id"))
                                                   : new_execution_id();
  }
  if (!s.release_gil) return detail::emit_encoded(std::move(e), std::move(c.data_json));
  py::gil_scoped_release release;  // the push may wait for room
  return detail::emit_encoded(std::move(e), std::move(c.data_json));
}

OverflowPolicy overflow_of(const std::string& name) {
  if (name == "block") return OverflowPolicy::kBlock;
  if (name == "drop_newest") return OverflowPolicy::kDropNewest;
  if (name == "drop_oldest") return OverflowPolicy::kDropOldest;
  throw py::value_error(fmt::format("overflow: '{}' is not one of 'block', 'drop_newest', 'drop_oldest'", name));
}

std::chrono::milliseconds seconds_arg(double seconds, const char* name) {
  if (!(seconds > 0)) throw py::value_error(fmt::format("{}: must be > 0 seconds, got {}", name, seconds));
  return std::chrono::milliseconds(std::max<int64_t>(1, static_cast<int64_t>(seconds * 1000)));
}

const char* state_name(CircuitState s) {
  switch (s) {
    case CircuitState::kClosed: return "closed";
    case CircuitState::kOpen: return "open";
    case CircuitState::kHalfOpen: return "half_open";
  }
  return "closed";
}

py::dict stats_dict() {
  RuntimeStats s;
  {
    py::gil_scoped_release release;
    s = stats();
  }
  py::dict out;
  out["emitted"] = s.emitted;
  out["filtered"] = s.filtered + state().filtered;
  out["invalid"] = s.invalid;
  out["dropped"] = s.dropped;
  out["stored"] = s.stored;
  out["store_failures"] = s.store_failures;
  out["store_lost"] = s.store_lost;
  py::list sinks;
  for (const auto& k : s.sinks) {
    py::dict d;
    d["name"] = k.name;
    d["delivered"] = k.delivered;
    d["missed"] = k.missed;
    d["failures"] = k.failures;
    d["state"] = state_name(k.state);
    sinks.append(d);
  }
  out["sinks"] = sinks;
  if (s.replication) {
    py::dict r;
    r["shipped"] = s.replication->shipped;
    r["failures"] = s.replication->failures;
    r["checkpoint"] = s.replication->checkpoint;
    r["state"] = state_name(s.replication->breaker);
    r["last_error"] = s.replication->last_error;
    out["replication"] = r;
  }
  return out;
}

// A forked child's exit. fork() copies only the forking thread, but the C++
// objects with static storage that the parent made before the fork are
// destroyed at the child's exit() as well, among them RocksDB's timer
// (rocksdb::Timer), whose destructor joins or waits on the parent's timer
// thread: the child hangs forever or crashes (SIGSEGV) when it exits
// normally (sys.exit, the end of the script) in any process that ever
// opened a store. So in the child, the exit handlers and destructors
// inherited from the parent are skipped: an exit handler registered at the
// fork (thus run before them) flushes stdio and ends the process with the
// same status. Python has finalized by then (Py_Exit finalizes, then calls
// exit()), and the child's own runtime was shut down by its atexit.
#ifdef __GLIBC__
void exit_skipping_inherited_handlers(int status, void*) {
  std::fflush(nullptr);
  ::_exit(status);
}

void after_fork_in_child() {
  if (store_used_in_process()) ::on_exit(exit_skipping_inherited_handlers, nullptr);
}
#endif

// What the runtime's callers must not do from a sink's own delivery thread:
// each waits for that thread, which would wait for itself.
void refuse_in_sink(const char* what) {
  if (in_sink_delivery()) {
    throw py::value_error(fmt::format("{} cannot be called from a sink's handle_event (it waits for the sink)", what));
  }
}

}  // namespace

void bind_runtime(py::module_& m) {
#ifdef __GLIBC__
  static const bool fork_handler_registered = ::pthread_atfork(nullptr, nullptr, after_fork_in_child) == 0;
  (void)fork_handler_registered;
#endif
  m.def(
      "init",
      [](std::string path, size_t buffer_size, size_t batch_size, double flush_interval, const std::string& overflow,
         bool sync, std::vector<std::string> redact_keys, const py::iterable& sinks, std::vector<std::string> allow,
         std::vector<std::string> deny, bool record_stats, const py::object& replicate, const py::object& retention) {
        RuntimeOptions o;
        o.store_path = std::move(path);
        o.buffer_size = buffer_size;
        o.batch_size = batch_size;
        o.flush_interval = seconds_arg(flush_interval, "flush_interval");
        o.overflow = overflow_of(overflow);
        o.sync = sync;
        o.redact_keys = std::move(redact_keys);
        o.sinks = sinks_from_python(sinks);
        o.allow_types = std::move(allow);
        o.deny_types = std::move(deny);
        o.record_stats = record_stats;
        if (!replicate.is_none()) {
          ReplicateOptions r;
          r.redis.url = replicate["url"].cast<std::string>();
          r.redis.stream = replicate["stream"].cast<std::string>();
          r.redis.field = replicate["field"].cast<std::string>();
          r.redis.maxlen = replicate["maxlen"].cast<size_t>();
          o.replicate = std::move(r);
        }
        if (!retention.is_none()) {
          // Checked and in seconds already (streamll/runtime.py).
          const py::dict r = retention.cast<py::dict>();
          if (r.contains("max_age")) {
            o.retention.max_age = std::chrono::nanoseconds(static_cast<int64_t>(r["max_age"].cast<double>() * 1e9));
          }
          if (r.contains("keep_executions")) o.retention.keep_executions = r["keep_executions"].cast<uint64_t>();
          if (r.contains("max_bytes")) o.retention.max_bytes = r["max_bytes"].cast<uint64_t>();
          if (r.contains("interval")) o.retention.interval = seconds_arg(r["interval"].cast<double>(), "retention.interval");
        }
        const bool block = o.overflow == OverflowPolicy::kBlock;
        Status s;
        {
          py::gil_scoped_release release;
          s = init(std::move(o));
        }
        note_store_used();
        if (!s.ok()) raise_status(s);
        state().autostart_failed = false;
        state().release_gil = block;
      },
      py::arg("path"), py::arg("buffer_size"), py::arg("batch_size"), py::arg("flush_interval"), py::arg("overflow"),
      py::arg("sync"), py::arg("redact_keys"), py::arg("sinks"), py::arg("allow_types"), py::arg("deny_types"),
      py::arg("record_stats"), py::arg("replicate"), py::arg("retention"));

  m.def("running", [] { return detail::runtime_active(); });
  m.def("forked", [] { return forked_from_runtime(); });
  m.def("note_if_forked", &detail::note_if_forked);
  m.def("note_store_used", &note_store_used);

  m.def("shutdown", [] {
    refuse_in_sink("shutdown()");
    state().stopping = true;
    {
      py::gil_scoped_release release;
      shutdown();
    }
    state().stopping = false;
  });

  m.def(
      "flush",
      [](double timeout) {
        refuse_in_sink("flush()");
        py::gil_scoped_release release;
        return flush(std::chrono::milliseconds(static_cast<int64_t>(timeout * 1000)));
      },
      py::arg("timeout"));

  m.def("stats", &stats_dict);

  m.def("set_sinks", [](const py::iterable& sinks) {
    refuse_in_sink("configure(sinks=...)");
    auto converted = sinks_from_python(sinks);
    Status s;
    {
      py::gil_scoped_release release;
      s = set_sinks(std::move(converted));
    }
    if (!s.ok()) raise_status(s);
  });

  m.def("set_event_filter", [](const py::object& patterns) {
    if (patterns.is_none()) {
      state().filter.reset();
    } else {
      state().filter.emplace(patterns.cast<std::vector<std::string>>(), std::vector<std::string>{});
    }
  });

  m.def("emit_event", &emit_python_event, py::arg("event"),
        R"doc(emit_event(event) -> bool

Queues `event` (a streamll.Event) for the local store and the sinks, without
I/O: the event is converted, its data written straight to JSON text, the
form the store keeps (data with no JSON form is a TypeError naming its path,
e.g. "field 'data.docs[2]': a set is not JSON (use a list)"), the
set_context() pairs are merged beneath its data, an empty execution_id becomes
the current execution, and it is put in the runtime's queue. With no runtime,
the first emit starts one on $STREAMLL_DB or ./streamll.db (said once on
stderr). Returns True when queued; False when filtered out or dropped by the
overflow policy (both counted in stats()), or with no runtime.
Thread-safe. Cost: about 1.5 us for a seed-sized event (reading the
event's attributes and writing its data's text are most of it). Under overflow="block" a full queue makes the
caller wait, with the GIL released, until the writer makes room.)doc");
}

}  // namespace streamll::python

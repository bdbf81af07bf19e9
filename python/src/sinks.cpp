// Sinks from Python: the C++ sinks (TerminalSink, JsonlSink, RedisSink) as
// classes the package wraps with upstream's signatures, and PythonSink, which
// delivers to any Python object with handle_event(event) on the sink's own
// delivery thread, behind its breaker.
#include <pybind11/stl.h>

#include <cstdio>
#include <unistd.h>

#include <fmt/format.h>

#include "bindings.hpp"
#include "convert.hpp"
#include "streamll/redis_sink.hpp"
#include "streamll/sink.hpp"

namespace streamll::python {

namespace {

thread_local bool t_in_sink_delivery = false;

// Marks this thread as delivering to a Python sink for the scope.
struct DeliveryScope {
  DeliveryScope() { t_in_sink_delivery = true; }
  ~DeliveryScope() { t_in_sink_delivery = false; }
};

// A Python object's handle_event, called once per event with the GIL taken.
// An event whose handle_event raises does not keep the others of its batch
// from being delivered; the batch then counts as one failure for the
// breaker (never raised into the application; the first of each sink is
// printed once). A coroutine (an async handle_event) is run to completion
// on a loop of this sink's own.
class PythonSink : public Sink {
 public:
  explicit PythonSink(py::object target)
      : target_(std::move(target)),
        name_(fmt::format("python:{}", Py_TYPE(target_.ptr())->tp_name)),
        handle_(target_.attr("handle_event")) {}

  ~PythonSink() override {
    py::gil_scoped_acquire gil;
    if (loop_) loop_.attr("close")();
    loop_ = py::object();
    handle_ = py::object();
    target_ = py::object();
  }

  std::string name() const override { return name_; }

  Status write(std::span<const EventView> batch) override {
    py::gil_scoped_acquire gil;
    DeliveryScope delivering;
    Status first_failure;
    for (const EventView& e : batch) {
      try {
        py::object result = handle_(event_to_python(e));
        if (PyCoro_CheckExact(result.ptr())) run(result);
      } catch (py::error_already_set& err) {
        if (first_failure.ok()) first_failure = failed(err.what());
      }
    }
    return first_failure;
  }

  Status flush() override {
    py::gil_scoped_acquire gil;
    DeliveryScope delivering;
    try {
      if (py::hasattr(target_, "flush")) {
        py::object result = target_.attr("flush")();
        if (PyCoro_CheckExact(result.ptr())) run(result);
      }
      return Status::ok_status();
    } catch (py::error_already_set& e) {
      return failed(e.what());
    }
  }

 private:
  void run(const py::object& coroutine) {
    if (!loop_) loop_ = py::module_::import("asyncio").attr("new_event_loop")();
    loop_.attr("run_until_complete")(coroutine);
  }

  Status failed(const std::string& what) {
    if (!reported_) {
      reported_ = true;
      std::fprintf(stderr, "streamll: sink %s failed: %s (counted in stats(); later failures are not printed)\n",
                   name_.c_str(), what.c_str());
    }
    return Status::io_error(fmt::format("sink {}: {}", name_, what));
  }

  py::object target_;
  std::string name_;
  py::object handle_;
  py::object loop_;
  bool reported_ = false;
};

// A file object's descriptor, duplicated: the sink writes to its own FILE.
std::FILE* file_of(const py::object& output) {
  if (output.is_none()) return stdout;
  if (!py::hasattr(output, "fileno")) {
    throw py::type_error("TerminalSink(output=...): needs a file with a fileno() (sys.stdout, sys.stderr, open(...))");
  }
  py::object flush = py::getattr(output, "flush", py::none());
  if (!flush.is_none()) flush();
  int source_fd = -1;
  try {
    source_fd = output.attr("fileno")().cast<int>();
  } catch (py::error_already_set& e) {
    // io.StringIO has a fileno() that raises io.UnsupportedOperation.
    if (!e.matches(PyExc_OSError) && !e.matches(PyExc_ValueError)) throw;
    throw py::type_error("TerminalSink(output=...): needs a file with a fileno() (sys.stdout, sys.stderr, open(...))");
  }
  const int fd = ::dup(source_fd);
  std::FILE* f = fd >= 0 ? ::fdopen(fd, "w") : nullptr;
  if (f == nullptr) throw py::value_error("TerminalSink(output=...): cannot write to that file");
  return f;
}

}  // namespace

bool in_sink_delivery() { return t_in_sink_delivery; }

std::vector<std::shared_ptr<Sink>> sinks_from_python(const py::iterable& sinks) {
  std::vector<std::shared_ptr<Sink>> out;
  for (py::handle item : sinks) {
    if (py::isinstance<Sink>(item)) {
      out.push_back(item.cast<std::shared_ptr<Sink>>());
    } else if (py::hasattr(item, "handle_event")) {
      out.push_back(std::make_shared<PythonSink>(py::reinterpret_borrow<py::object>(item)));
    } else {
      throw py::type_error(fmt::format("Sink {} must have handle_event method", py::repr(item).cast<std::string>()));
    }
  }
  return out;
}

void bind_sinks(py::module_& m) {
  py::class_<Sink, std::shared_ptr<Sink>>(m, "Sink").def_property_readonly("name", &Sink::name);
  py::class_<TerminalSink, Sink, std::shared_ptr<TerminalSink>>(m, "TerminalSink")
      .def(py::init([](const py::object& output) { return std::make_shared<TerminalSink>(file_of(output)); }),
           py::arg("output") = py::none());
  py::class_<JsonlSink, Sink, std::shared_ptr<JsonlSink>>(m, "JsonlSink")
      .def(py::init<std::string>(), py::arg("path"));
  py::class_<RedisSink, Sink, std::shared_ptr<RedisSink>>(m, "RedisSink")
      .def(py::init([](std::string url, std::string stream, std::string field, size_t maxlen, double timeout) {
             return std::make_shared<RedisSink>(
                 RedisTarget{.url = std::move(url),
                             .stream = std::move(stream),
                             .field = std::move(field),
                             .maxlen = maxlen,
                             .timeout = std::chrono::milliseconds(static_cast<int64_t>(timeout * 1000))});
           }),
           py::arg("url"), py::arg("stream"), py::arg("field"), py::arg("maxlen"), py::arg("timeout"));
}

}  // namespace streamll::python

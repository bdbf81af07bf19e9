// RedisStreamConsumer from Python: the C++ consumer (its own thread, groups,
// acknowledgement after the handler, XAUTOCLAIM, retries behind a breaker)
// delivering each event to one Python callable with the GIL taken. The
// package's consumer.py dispatches by event type and runs async handlers.
#include <pybind11/functional.h>
#include <pybind11/stl.h>

#include <atomic>
#include <optional>

#include <fmt/format.h>

#include "bindings.hpp"
#include "convert.hpp"
#include "streamll/consumer.hpp"

namespace streamll::python {

namespace {

class Consumer {
 public:
  Consumer(ConsumerOptions options, py::function deliver, py::function on_error)
      : deliver_(std::move(deliver)), on_error_(std::move(on_error)) {
    if (Status s = RedisStreamConsumer::create(std::move(options), &consumer_); !s.ok()) raise_status(s);
    // A handler that raises leaves the entry unacknowledged (with a group:
    // delivered again); the exception is reported through on_error.
    consumer_->subscribe([this](const Event& e) {
      py::gil_scoped_acquire gil;
      if (cancel_) return Status::io_error("interrupted");  // the rest of an interrupted drain's batch
      try {
        deliver_(event_to_python(e));
        if (PyErr_CheckSignals() != 0) throw py::error_already_set();  // Ctrl-C during drain()
        return Status::ok_status();
      } catch (py::error_already_set& err) {
        // Ctrl-C or sys.exit in a handler ends drain() (and is raised by it);
        // any other exception is this entry's failure.
        if (err.matches(PyExc_KeyboardInterrupt) || err.matches(PyExc_SystemExit)) {
          interrupted_.emplace(std::move(err));
          cancel_ = true;
          return Status::io_error("interrupted");
        }
        return Status::io_error(fmt::format("handler raised {}", err.what()));
      }
    });
    consumer_->on_error([this](const Status& s) {
      py::gil_scoped_acquire gil;
      try {
        on_error_(s.to_string());
      } catch (py::error_already_set&) {
        // The error callback itself failed: nothing more to tell.
      }
    });
  }

  ~Consumer() {
    {
      py::gil_scoped_release release;
      consumer_.reset();  // stops the thread, which may be waiting for the GIL
    }
  }

  void start() {
    if (Status s = consumer_->start(); !s.ok()) raise_status(s);
  }

  void stop() {
    py::gil_scoped_release release;
    consumer_->stop();
  }

  size_t drain() {
    size_t entries = 0;
    cancel_ = false;
    Status s;
    {
      py::gil_scoped_release release;
      s = consumer_->drain(&cancel_, &entries);
    }
    if (interrupted_) {
      py::error_already_set raised = std::move(*interrupted_);
      interrupted_.reset();
      throw raised;
    }
    if (!s.ok()) raise_status(s);
    return entries;
  }

  py::dict stats() const {
    const ConsumerStats s = consumer_->stats();
    py::dict out;
    out["received"] = s.received;
    out["delivered"] = s.delivered;
    out["handler_failures"] = s.handler_failures;
    out["malformed"] = s.malformed;
    out["acked"] = s.acked;
    out["claimed"] = s.claimed;
    out["reconnects"] = s.reconnects;
    out["failures"] = s.failures;
    out["last_id"] = s.last_id;
    out["last_error"] = s.last_error;
    return out;
  }

 private:
  py::function deliver_;
  py::function on_error_;
  std::atomic<bool> cancel_{false};
  std::optional<py::error_already_set> interrupted_;  // a handler's KeyboardInterrupt, raised by drain()
  std::unique_ptr<RedisStreamConsumer> consumer_;
};

}  // namespace

void bind_consumer(py::module_& m) {
  py::class_<Consumer>(m, "Consumer")
      .def(py::init([](std::string url, std::string stream, std::string field, double timeout, std::string group,
                       std::string consumer, std::string start_id, size_t batch_size, double block,
                       double claim_min_idle, py::function deliver, py::function on_error) {
             ConsumerOptions o;
             o.redis.url = std::move(url);
             o.redis.stream = std::move(stream);
             o.redis.field = std::move(field);
             o.redis.timeout = std::chrono::milliseconds(static_cast<int64_t>(timeout * 1000));
             o.group = std::move(group);
             o.consumer = std::move(consumer);
             o.start_id = std::move(start_id);
             o.batch_size = batch_size;
             o.block = std::chrono::milliseconds(static_cast<int64_t>(block * 1000));
             o.claim_min_idle = std::chrono::milliseconds(static_cast<int64_t>(claim_min_idle * 1000));
             return std::make_unique<Consumer>(std::move(o), std::move(deliver), std::move(on_error));
           }),
           py::arg("url"), py::arg("stream"), py::arg("field"), py::arg("timeout"), py::arg("group"),
           py::arg("consumer"), py::arg("start_id"),
           py::arg("batch_size"), py::arg("block"), py::arg("claim_min_idle"), py::arg("deliver"),
           py::arg("on_error"))
      .def("start", &Consumer::start)
      .def("stop", &Consumer::stop)
      .def("drain", &Consumer::drain)
      .def("stats", &Consumer::stats);
}

}  // namespace streamll::python

// The parts of the _streamll extension module, one file each; module.cpp
// calls them in this order.
#pragma once

#include <pybind11/pybind11.h>

#include <memory>
#include <vector>

#include "streamll/sink.hpp"

namespace streamll::python {

namespace py = pybind11;

void bind_events(py::module_& m);    // events.cpp: codec, ids, clocks, type patterns
void bind_sinks(py::module_& m);     // sinks.cpp: the C++ sinks, and Python objects as sinks
void bind_runtime(py::module_& m);   // runtime.cpp: init, emit, flush, stats, shutdown
void bind_store(py::module_& m);     // store.cpp: read-only views, cursors, replay
void bind_consumer(py::module_& m);  // consumer.cpp: RedisStreamConsumer

// Each item of `sinks` as a C++ sink: a bound C++ sink as it is, any other
// object with a handle_event(event) method called through the GIL (sinks.cpp).
// TypeError for anything else.
std::vector<std::shared_ptr<Sink>> sinks_from_python(const py::iterable& sinks);

// True on a Python sink's delivery thread while it runs handle_event
// (sinks.cpp): flush, shutdown and set_sinks would wait for this very thread.
bool in_sink_delivery();

// That this process has opened a store (RocksDB), and whether it has
// (store.cpp): a forked child of such a process must not run the parent's
// static destructors at exit (runtime.cpp).
void note_store_used();
bool store_used_in_process();

}  // namespace streamll::python

// _streamll: the C++ core of streamll as a CPython extension module. The
// pure-Python package `streamll` around it is the documented API; this
// module is its implementation detail. The same file is a SQLite loadable
// extension (its entry point sqlite3_streamll_init, from
// src/sql/extension.cpp), which streamll.connect() loads into a
// sqlite3.Connection.
#include "bindings.hpp"

PYBIND11_MODULE(_streamll, m) {
  m.doc() = "The C++ core of streamll (use the streamll package, not this module)";
  streamll::python::bind_events(m);
  streamll::python::bind_sinks(m);
  streamll::python::bind_runtime(m);
  streamll::python::bind_store(m);
  streamll::python::bind_consumer(m);
}

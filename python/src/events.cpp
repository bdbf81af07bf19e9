// The event codec, ids and clocks of the C++ core, for the package's models
// and context modules, and the hand-over of the package's hooks.
#include <pybind11/stl.h>

#include "bindings.hpp"
#include "convert.hpp"
#include "emit/event_policy.hpp"
#include "streamll/context.hpp"
#include "streamll/event_json.hpp"
#include "streamll/timestamp.hpp"

namespace streamll::python {

namespace {

PyObject* kept(const py::object& o) {
  Py_INCREF(o.ptr());  // held for the life of the process (see Hooks)
  return o.ptr();
}

}  // namespace

void bind_events(py::module_& m) {
  m.def("_register", [](const py::object& restore_event, const py::object& jsonable, const py::object& execution_var,
                        const py::object& context_var, const py::object& autostart, const py::object& error_class) {
    Hooks& h = hooks();
    h.restore_event = kept(restore_event);
    h.jsonable = kept(jsonable);
    h.execution_var = kept(execution_var);
    h.context_var = kept(context_var);
    h.autostart = kept(autostart);
    h.error_class = kept(error_class);
  });

  m.def("generate_event_id", &generate_event_id,
        "A 12-character id of the alphabet A-Za-z0-9_- (72 random bits), like upstream's nanoid(size=12).");
  m.def("new_execution_id", &new_execution_id, "A new execution id: 32 lowercase hex characters.");

  m.def(
      "event_to_json",
      [](const py::handle& event) { return event_to_json(event_from_python(event)); }, py::arg("event"));
  m.def(
      "event_from_json",
      [](std::string_view text) {
        Event e;
        if (Status s = event_from_json(text, &e); !s.ok()) raise_status(s);
        return event_to_python(e);
      },
      py::arg("text"));
  m.def(
      "parse_timestamp",
      [](std::string_view text) {
        int64_t ns = 0;
        if (Status s = parse_timestamp(text, &ns); !s.ok()) raise_status(s);
        return ns_to_datetime(ns);
      },
      py::arg("text"));
  m.def("format_timestamp", [](const py::handle& dt) { return format_timestamp(datetime_to_ns(dt, "timestamp")); });

  py::class_<detail::TypePatterns>(m, "TypePatterns",
                                   "Event type patterns: exact types, or prefixes ending in '*' or '.' (\"rag.*\", \"rag.\").")
      .def(py::init<const std::vector<std::string>&>(), py::arg("patterns"))
      .def("matches", &detail::TypePatterns::matches, py::arg("event_type"));
}

}  // namespace streamll::python

// Conversions between Python objects and the C++ core's values, shared by
// every binding: JSON-compatible Python data <-> Json, aware datetimes <->
// ns since the epoch, streamll.models.Event <-> Event, and Status ->
// Python exceptions. Every function here needs the GIL.
#pragma once

#include <pybind11/pybind11.h>

#include <cstdint>
#include <string>

#include "streamll/event.hpp"
#include "streamll/status.hpp"

namespace streamll::python {

namespace py = pybind11;

// The Python objects the pure-Python package hands over at import
// (_streamll._register): never released, so that nothing is decref'd after
// the interpreter has finalized.
struct Hooks {
  PyObject* restore_event = nullptr;   // Event._restore(event_id, execution_id, timestamp, ...)
  PyObject* jsonable = nullptr;        // models._jsonable(obj): a JSON-compatible form, or TypeError
  PyObject* execution_var = nullptr;   // ContextVar[str | None]: the current execution
  PyObject* context_var = nullptr;     // ContextVar[dict | None]: set_context() pairs
  PyObject* autostart = nullptr;       // runtime._autostart() -> bool
  PyObject* error_class = nullptr;     // StreamllError
};
Hooks& hooks();

// Raises the Python exception for a failed Status: InvalidArgument is a
// ValueError, everything else a StreamllError whose .code names the kind
// ("busy", "not_found", "corruption", "io_error", "not_supported").
[[noreturn]] void raise_status(const Status& status);

// Appends a dict (or any JSON-compatible value) as compact JSON text, byte
// for byte what the C++ JSON writer makes of the same value as a Json tree,
// without building the tree (no allocation per value). Raises TypeError (a
// value with no JSON form, a non-str key) or ValueError (a lone surrogate,
// nesting deeper than 999) whose message names the path: "field
// 'data.docs[2]': ...". Objects beyond the builtins go through
// hooks().jsonable first. Cost: one pass over the value.
void append_json_text(py::handle value, const char* field, std::string* out);

// Json as new Python objects (dicts keep their order).
py::object from_json(const Json& value);

// An aware datetime as ns since the epoch (UTC). Raises TypeError for a
// non-datetime and ValueError for a naive one or one outside 1677..2262.
int64_t datetime_to_ns(py::handle value, const char* field);
// ns since the epoch as an aware datetime in UTC (microsecond precision).
py::object ns_to_datetime(int64_t ns);

// An event as the C++ core takes it from Python: the envelope and tags
// (envelope.data left empty) and data as its JSON text.
struct EncodedEvent {
  Event envelope;
  std::string data_json;
};

// The fields of a streamll.models.Event (or any object with its attributes),
// each checked: raises TypeError/ValueError naming the field. With
// `context_pairs` (a dict of set_context() pairs, or None), those pairs go
// beneath data: first, in their order, except that data's value wins for a
// key both have; an error in a pair's own value names set_context.
EncodedEvent event_from_python(py::handle event, py::handle context_pairs = py::handle());

// The event as one JSON object (append_event_json()'s form).
std::string event_to_json(const EncodedEvent& event);

// A new streamll.models.Event from a C++ one, or from a stored view (data
// and tags parsed from their JSON text; StreamllError "corruption" if they
// do not parse).
py::object event_to_python(const Event& event);
py::object event_to_python(const EventView& view);

// A Python str's UTF-8 bytes (the object's own buffer, no copy). Raises
// TypeError naming `field` for a non-str and ValueError for a lone surrogate.
std::string_view utf8_of(py::handle value, const char* field);

}  // namespace streamll::python

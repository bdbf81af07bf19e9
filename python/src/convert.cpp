#include "convert.hpp"

#include <datetime.h>

#include <charconv>
#include <chrono>
#include <limits>
#include <vector>

#include <fmt/format.h>

#include "event/event_text.hpp"
#include "event/json_parse.hpp"
#include "event/json_writer.hpp"
#include "streamll/big_integer.hpp"
#include "streamll/event_json.hpp"

namespace streamll::python {

namespace {

// Thrown inside the recursive conversion only (never across the binding):
// each level prepends its key, so that the message names the whole path
// while the path costs nothing when nothing fails.
struct ConversionError {
  PyObject* type;
  std::string path;
  std::string message;
  const char* field = nullptr;  // when not the field converted (a set_context() pair's value)
};

constexpr int kMaxDepth = 999;  // as validate_event(): deeper data would overflow a serializer's stack

std::string type_name(py::handle value) { return Py_TYPE(value.ptr())->tp_name; }

PyObject* interned(const char* name) { return PyUnicode_InternFromString(name); }

void append_json_at(PyObject* value, int depth, std::string* out);

// A str key's UTF-8 bytes, or a ConversionError.
std::string_view key_text(PyObject* key) {
  if (!PyUnicode_Check(key)) {
    throw ConversionError{PyExc_TypeError, "",
                          fmt::format("keys must be str, got {} ({})", type_name(key),
                                      py::repr(key).cast<std::string>().substr(0, 40))};
  }
  Py_ssize_t size = 0;
  const char* text = PyUnicode_AsUTF8AndSize(key, &size);
  if (text == nullptr) {
    PyErr_Clear();
    throw ConversionError{PyExc_ValueError, "", "a key is not valid UTF-8 (a lone surrogate)"};
  }
  return {text, static_cast<size_t>(size)};
}

// Appends `"key":value`, naming the key in the path of an error below it.
void append_member(std::string_view key, PyObject* value, int depth, bool* first, std::string* out) {
  if (!*first) out->push_back(',');
  *first = false;
  detail::append_json_string(key, out);
  out->push_back(':');
  try {
    append_json_at(value, depth, out);
  } catch (ConversionError& e) {
    e.path = "." + std::string(key) + e.path;
    throw;
  }
}

// `dict` as a JSON object; with `beneath` (a dict), its pairs first, each
// taking dict's value when dict has the key (so dict's keys win and keep
// beneath's place), then dict's other pairs: what merging dict into a copy
// of beneath gives.
void append_dict(PyObject* dict, PyObject* beneath, int depth, std::string* out) {
  out->push_back('{');
  bool first = true;
  Py_ssize_t pos = 0;
  PyObject *key, *item;
  if (beneath != nullptr) {
    while (PyDict_Next(beneath, &pos, &key, &item)) {
      PyObject* own = nullptr;
      try {
        const std::string_view k = key_text(key);
        own = PyDict_GetItemWithError(dict, key);
        if (own == nullptr && PyErr_Occurred()) throw py::error_already_set();
        append_member(k, own != nullptr ? own : item, depth + 1, &first, out);
      } catch (ConversionError& e) {
        if (own == nullptr) e.field = "set_context";
        throw;
      }
    }
    pos = 0;
  }
  while (PyDict_Next(dict, &pos, &key, &item)) {
    const std::string_view k = key_text(key);
    if (beneath != nullptr) {
      const int there = PyDict_Contains(beneath, key);
      if (there < 0) throw py::error_already_set();
      if (there == 1) continue;  // written above
    }
    append_member(k, item, depth + 1, &first, out);
  }
  out->push_back('}');
}

void append_sequence(PyObject* seq, int depth, std::string* out) {
  out->push_back('[');
  const Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
  PyObject** items = PySequence_Fast_ITEMS(seq);
  for (Py_ssize_t i = 0; i < n; ++i) {
    if (i > 0) out->push_back(',');
    try {
      append_json_at(items[i], depth + 1, out);
    } catch (ConversionError& e) {
      e.path = fmt::format("[{}]{}", i, e.path);
      throw;
    }
  }
  out->push_back(']');
}

// Appends the JSON text of `value`, byte for byte what the C++ JSON writer
// (detail::append_json) makes of the same value as a Json tree.
void append_json_at(PyObject* value, int depth, std::string* out) {
  if (depth > kMaxDepth) throw ConversionError{PyExc_ValueError, "", "nested more than 999 levels deep"};
  if (value == Py_None) {
    out->append("null");
    return;
  }
  if (PyBool_Check(value)) {
    out->append(value == Py_True ? "true" : "false");
    return;
  }
  if (PyLong_Check(value)) {
    char buf[24];
    int overflow = 0;
    const long long v = PyLong_AsLongLongAndOverflow(value, &overflow);
    if (overflow == 0) {
      out->append(buf, std::to_chars(buf, buf + sizeof buf, v).ptr);
      return;
    }
    if (overflow > 0) {
      const unsigned long long u = PyLong_AsUnsignedLongLong(value);
      if (!PyErr_Occurred()) {
        out->append(buf, std::to_chars(buf, buf + sizeof buf, u).ptr);
        return;
      }
      PyErr_Clear();
    }
    // Beyond 64 bits: its digits, as a big integer (big_integer.hpp), up to
    // the largest a JSON reader takes (a double's range, 309 digits).
    if (PyLong_AsDouble(value) == -1.0 && PyErr_Occurred()) {
      PyErr_Clear();
      throw ConversionError{PyExc_ValueError, "", "an integer too large for a JSON number (beyond 1.8e308)"};
    }
    const py::object text = py::reinterpret_steal<py::object>(PyNumber_ToBase(value, 10));
    if (!text) throw py::error_already_set();
    Py_ssize_t size = 0;
    const char* digits = PyUnicode_AsUTF8AndSize(text.ptr(), &size);
    if (digits == nullptr) throw py::error_already_set();
    const std::string_view d(digits, static_cast<size_t>(size));
    Json big;
    if (Status st = json_integer(d, &big); !st.ok()) throw ConversionError{PyExc_ValueError, "", st.message()};
    out->append(d);
    return;
  }
  if (PyFloat_Check(value)) {
    detail::append_json_double(PyFloat_AS_DOUBLE(value), out);
    return;
  }
  if (PyUnicode_Check(value)) {
    Py_ssize_t size = 0;
    const char* text = PyUnicode_AsUTF8AndSize(value, &size);
    if (text == nullptr) {
      PyErr_Clear();
      throw ConversionError{PyExc_ValueError, "", "is not valid UTF-8 (a lone surrogate)"};
    }
    detail::append_json_string(std::string_view(text, static_cast<size_t>(size)), out);
    return;
  }
  if (PyDict_Check(value)) return append_dict(value, nullptr, depth, out);
  if (PyList_Check(value) || PyTuple_Check(value)) return append_sequence(value, depth, out);
  // Anything else: the package's fallback (datetime, UUID, Enum, dataclasses,
  // pydantic models ...) or a TypeError that says what the value was.
  PyObject* converted = PyObject_CallOneArg(hooks().jsonable, value);
  if (converted == nullptr) {
    PyObject *type, *exc, *tb;
    PyErr_Fetch(&type, &exc, &tb);
    PyErr_NormalizeException(&type, &exc, &tb);
    std::string message = exc != nullptr ? py::str(exc).cast<std::string>() : type_name(value) + " is not JSON";
    Py_XDECREF(type);
    Py_XDECREF(exc);
    Py_XDECREF(tb);
    throw ConversionError{PyExc_TypeError, "", message};
  }
  py::object owned = py::reinterpret_steal<py::object>(converted);
  append_json_at(owned.ptr(), depth + 1, out);
}

[[noreturn]] void raise(PyObject* type, const std::string& message) {
  PyErr_SetString(type, message.c_str());
  throw py::error_already_set();
}

// Days since 1970-01-01 of a civil date, and back (std::chrono's calendar).
int64_t days_from_civil(int y, unsigned m, unsigned d) {
  using namespace std::chrono;
  return sys_days(year_month_day(year(y), month(m), day(d))).time_since_epoch().count();
}

void ensure_datetime_api() {
  if (PyDateTimeAPI == nullptr) PyDateTime_IMPORT;
}

}  // namespace

Hooks& hooks() {
  static Hooks* h = new Hooks();
  return *h;
}

void raise_status(const Status& status) {
  if (status.is_invalid_argument()) raise(PyExc_ValueError, status.message());
  const char* code = "error";
  switch (status.code()) {
    case Status::Code::kNotFound: code = "not_found"; break;
    case Status::Code::kCorruption: code = "corruption"; break;
    case Status::Code::kIOError: code = "io_error"; break;
    case Status::Code::kBusy: code = "busy"; break;
    case Status::Code::kNotSupported: code = "not_supported"; break;
    case Status::Code::kPermissionDenied: code = "permission_denied"; break;
    default: break;
  }
  PyObject* cls = hooks().error_class != nullptr ? hooks().error_class : PyExc_RuntimeError;
  py::object exc = py::reinterpret_steal<py::object>(PyObject_CallFunction(cls, "s", status.message().c_str()));
  if (!exc) throw py::error_already_set();
  PyObject_SetAttrString(exc.ptr(), "code", py::str(code).ptr());
  PyErr_SetObject(cls, exc.ptr());
  throw py::error_already_set();
}

// Runs `convert`, raising a ConversionError as the Python exception that
// names its field and path.
template <typename Convert>
void converting(const char* field, Convert convert) {
  try {
    convert();
  } catch (const ConversionError& e) {
    raise(e.type, fmt::format("field '{}{}': {}", e.field != nullptr ? e.field : field, e.path, e.message));
  }
}

void append_json_text(py::handle value, const char* field, std::string* out) {
  converting(field, [&] { append_json_at(value.ptr(), 0, out); });
}

py::object from_json(const Json& value) {
  switch (value.type()) {
    case Json::value_t::null: return py::none();
    case Json::value_t::boolean: return py::bool_(value.get<bool>());
    case Json::value_t::number_integer: return py::int_(value.get<int64_t>());
    case Json::value_t::number_unsigned: return py::int_(value.get<uint64_t>());
    case Json::value_t::number_float: return py::float_(value.get<double>());
    case Json::value_t::string: {
      const auto& s = value.get_ref<const std::string&>();
      return py::reinterpret_steal<py::object>(
          PyUnicode_DecodeUTF8(s.data(), static_cast<Py_ssize_t>(s.size()), "replace"));
    }
    case Json::value_t::array: {
      py::list out(value.size());
      size_t i = 0;
      for (const auto& item : value) out[i++] = from_json(item);
      return out;
    }
    case Json::value_t::object: {
      py::dict out;
      for (const auto& [key, item] : value.items()) out[py::str(key)] = from_json(item);
      return out;
    }
    case Json::value_t::binary:
      if (const auto digits = big_integer_digits(value)) {
        const std::string text(*digits);
        PyObject* out = PyLong_FromString(text.c_str(), nullptr, 10);
        if (out == nullptr) throw py::error_already_set();
        return py::reinterpret_steal<py::object>(out);
      }
      return py::none();  // refused by validate_event: never stored
    default: return py::none();  // discarded values never come out of the codec
  }
}

int64_t datetime_to_ns(py::handle value, const char* field) {
  ensure_datetime_api();
  PyObject* dt = value.ptr();
  if (!PyDateTime_Check(dt)) {
    raise(PyExc_TypeError, fmt::format("field '{}': must be an aware datetime, got {}", field, type_name(value)));
  }
  PyObject* tz = PyDateTime_DATE_GET_TZINFO(dt);
  int64_t offset_us = 0;
  if (tz != PyDateTime_TimeZone_UTC) {
    py::object offset = tz == Py_None ? py::none() : py::reinterpret_borrow<py::object>(value).attr("utcoffset")();
    if (offset.is_none()) {
      raise(PyExc_ValueError, fmt::format("field '{}': a naive datetime (no tzinfo); use an aware one such as "
                                          "datetime.now(UTC)",
                                          field));
    }
    PyObject* delta = offset.ptr();
    offset_us = (static_cast<int64_t>(PyDateTime_DELTA_GET_DAYS(delta)) * 86400 + PyDateTime_DELTA_GET_SECONDS(delta)) *
                    1'000'000 +
                PyDateTime_DELTA_GET_MICROSECONDS(delta);
  }
  const int64_t days = days_from_civil(PyDateTime_GET_YEAR(dt), PyDateTime_GET_MONTH(dt), PyDateTime_GET_DAY(dt));
  const int64_t us = (days * 86400 + PyDateTime_DATE_GET_HOUR(dt) * 3600 + PyDateTime_DATE_GET_MINUTE(dt) * 60 +
                      PyDateTime_DATE_GET_SECOND(dt)) *
                         1'000'000 +
                     PyDateTime_DATE_GET_MICROSECOND(dt) - offset_us;
  constexpr int64_t kMaxUs = std::numeric_limits<int64_t>::max() / 1000;
  if (us > kMaxUs || us < -kMaxUs) {
    raise(PyExc_ValueError, fmt::format("field '{}': {} is outside the years 1677 to 2262 that ns timestamps hold",
                                        field, py::str(value).cast<std::string>()));
  }
  return us * 1000;
}

py::object ns_to_datetime(int64_t ns) {
  ensure_datetime_api();
  using namespace std::chrono;
  const int64_t us = ns >= 0 ? ns / 1000 : -((-ns + 999) / 1000);
  const int64_t days = us >= 0 ? us / 86'400'000'000 : -((-us + 86'399'999'999) / 86'400'000'000);
  const int64_t in_day = us - days * 86'400'000'000;
  const year_month_day ymd{sys_days(std::chrono::days(days))};
  const int64_t secs = in_day / 1'000'000;
  PyObject* dt = PyDateTimeAPI->DateTime_FromDateAndTime(
      static_cast<int>(ymd.year()), static_cast<int>(static_cast<unsigned>(ymd.month())),
      static_cast<int>(static_cast<unsigned>(ymd.day())), static_cast<int>(secs / 3600),
      static_cast<int>(secs / 60 % 60), static_cast<int>(secs % 60), static_cast<int>(in_day % 1'000'000),
      PyDateTime_TimeZone_UTC, PyDateTimeAPI->DateTimeType);
  if (dt == nullptr) throw py::error_already_set();
  return py::reinterpret_steal<py::object>(dt);
}

std::string_view utf8_of(py::handle value, const char* field) {
  if (!PyUnicode_Check(value.ptr())) {
    raise(PyExc_TypeError, fmt::format("field '{}': must be str, got {}", field, type_name(value)));
  }
  Py_ssize_t size = 0;
  const char* text = PyUnicode_AsUTF8AndSize(value.ptr(), &size);
  if (text == nullptr) {
    PyErr_Clear();
    raise(PyExc_ValueError, fmt::format("field '{}': is not valid UTF-8 (a lone surrogate)", field));
  }
  return {text, static_cast<size_t>(size)};
}

EncodedEvent event_from_python(py::handle event, py::handle context_pairs) {
  static PyObject* const n_event_id = interned("event_id");
  static PyObject* const n_execution_id = interned("execution_id");
  static PyObject* const n_timestamp = interned("timestamp");
  static PyObject* const n_module_name = interned("module_name");
  static PyObject* const n_method_name = interned("method_name");
  static PyObject* const n_event_type = interned("event_type");
  static PyObject* const n_operation = interned("operation");
  static PyObject* const n_data = interned("data");
  static PyObject* const n_tags = interned("tags");
  const auto attr = [&](PyObject* name) {
    PyObject* v = PyObject_GetAttr(event.ptr(), name);
    if (v == nullptr) throw py::error_already_set();
    return py::reinterpret_steal<py::object>(v);
  };
  EncodedEvent out;
  Event& e = out.envelope;
  e.event_id = utf8_of(attr(n_event_id), "event_id");
  e.execution_id = utf8_of(attr(n_execution_id), "execution_id");
  e.event_type = utf8_of(attr(n_event_type), "event_type");
  e.module_name = utf8_of(attr(n_module_name), "module_name");
  e.method_name = utf8_of(attr(n_method_name), "method_name");
  if (py::object ts = attr(n_timestamp); !ts.is_none()) e.timestamp = datetime_to_ns(ts, "timestamp");
  if (py::object op = attr(n_operation); !op.is_none()) e.operation = std::string(utf8_of(op, "operation"));
  py::object data = attr(n_data);
  if (!PyDict_Check(data.ptr())) {
    raise(PyExc_TypeError, fmt::format("field 'data': must be a dict, got {}", type_name(data)));
  }
  PyObject* beneath = context_pairs && PyDict_Check(context_pairs.ptr()) && PyDict_GET_SIZE(context_pairs.ptr()) > 0
                          ? context_pairs.ptr()
                          : nullptr;
  // Written into a buffer the thread keeps, then copied once at its size:
  // one allocation, not one per doubling of a growing string. A nested
  // conversion (jsonable() runs Python code, which may emit) gets its own.
  thread_local std::string buffer;
  thread_local int converting_now = 0;
  std::string nested;
  std::string& text = converting_now == 0 ? buffer : nested;
  text.clear();
  ++converting_now;
  struct Done {
    ~Done() { --converting_now; }
  } done;
  converting("data", [&] { append_dict(data.ptr(), beneath, 0, &text); });
  out.data_json = text;
  py::object tags = attr(n_tags);
  if (!PyDict_Check(tags.ptr())) {
    raise(PyExc_TypeError, fmt::format("field 'tags': must be a dict of str, got {}", type_name(tags)));
  }
  Py_ssize_t pos = 0;
  PyObject *key, *value;
  while (PyDict_Next(tags.ptr(), &pos, &key, &value)) {
    const std::string_view k = utf8_of(key, "tags");
    if (!PyUnicode_Check(value)) {
      raise(PyExc_TypeError, fmt::format("field 'tags.{}': must be str, got {}", k, type_name(value)));
    }
    e.tags.emplace(std::string(k), std::string(utf8_of(value, "tags")));
  }
  return out;
}

std::string event_to_json(const EncodedEvent& event) {
  std::string tags_json;
  std::string out;
  append_event_json(detail::view_with_data_text(event.envelope, event.data_json, &tags_json), &out);
  return out;
}

namespace {

py::object make_event(std::string_view event_id, std::string_view execution_id, int64_t timestamp,
                      std::string_view module_name, std::string_view method_name, std::string_view event_type,
                      const std::optional<std::string_view>& operation, py::object data, py::object tags) {
  const auto str = [](std::string_view s) {
    return py::reinterpret_steal<py::object>(
        PyUnicode_DecodeUTF8(s.data(), static_cast<Py_ssize_t>(s.size()), "replace"));
  };
  py::object args[] = {str(event_id),    str(execution_id), ns_to_datetime(timestamp),
                       str(module_name), str(method_name),  str(event_type),
                       operation ? str(*operation) : py::none(), std::move(data), std::move(tags)};
  PyObject* raw[9];
  for (int i = 0; i < 9; ++i) raw[i] = args[i].ptr();
  PyObject* out = PyObject_Vectorcall(hooks().restore_event, raw, 9, nullptr);
  if (out == nullptr) throw py::error_already_set();
  return py::reinterpret_steal<py::object>(out);
}

py::dict tags_to_python(const std::map<std::string, std::string>& tags) {
  py::dict out;
  for (const auto& [k, v] : tags) out[py::str(k)] = py::str(v);
  return out;
}

Json parse_stored(std::string_view text, const EventView& view, const char* field) {
  Json out;
  if (!detail::parse_json(text, &out).ok() || !out.is_object()) {
    raise_status(Status::corruption(fmt::format("event {} (seq {}): stored {} is not a JSON object", view.event_id,
                                                view.seq, field)));
  }
  return out;
}

}  // namespace

py::object event_to_python(const Event& e) {
  std::optional<std::string_view> op;
  if (e.operation) op = *e.operation;
  return make_event(e.event_id, e.execution_id, e.timestamp, e.module_name, e.method_name, e.event_type, op,
                    from_json(e.data), tags_to_python(e.tags));
}

py::object event_to_python(const EventView& v) {
  return make_event(v.event_id, v.execution_id, v.timestamp, v.module_name, v.method_name, v.event_type, v.operation,
                    from_json(parse_stored(v.data_json, v, "data")), from_json(parse_stored(v.tags_json, v, "tags")));
}

}  // namespace streamll::python

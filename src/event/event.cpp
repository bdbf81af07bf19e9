#include "streamll/event.hpp"

#include <array>
#include <vector>

#include <fmt/format.h>

#include "event/event_text.hpp"
#include "event/json_parse.hpp"
#include "event/json_writer.hpp"
#include "streamll/big_integer.hpp"

namespace streamll {

namespace {

// The checks below test first and build a Status only for a problem, since
// every emit runs them on the caller's thread.

bool valid_text(std::string_view value) { return detail::invalid_utf8_at(value) == std::string_view::npos; }

bool valid_id(std::string_view value) {
  return !value.empty() && value.find('\0') == std::string_view::npos && valid_text(value);
}

// What is wrong with text that failed valid_text().
Status text_problem(std::string_view field, std::string_view value) {
  const size_t at = detail::invalid_utf8_at(value);
  return Status::invalid_argument(fmt::format("field '{}': not valid UTF-8 (byte 0x{:02X} at offset {})", field,
                                              static_cast<unsigned char>(value[at]), at));
}

// What is wrong with an object key of `field` (tags, data) that failed valid_text().
Status key_problem(std::string_view field, std::string_view key) {
  const size_t at = detail::invalid_utf8_at(key);
  return Status::invalid_argument(fmt::format("field '{}': key \"{}\" is not valid UTF-8 (byte 0x{:02X} at offset {})",
                                              field, detail::excerpt(key), static_cast<unsigned char>(key[at]), at));
}

// What is wrong with an id that failed valid_id().
Status id_problem(std::string_view field, std::string_view value) {
  if (value.empty()) return Status::invalid_argument(fmt::format("field '{}': must not be empty", field));
  if (value.find('\0') != std::string_view::npos) {
    return Status::invalid_argument(fmt::format("field '{}': must not contain a NUL byte", field));
  }
  return text_problem(field, value);
}

// The deepest nesting of data accepted, data itself being level 1: its event
// then nests at most 1000 deep, what event_from_json reads back. Deeper data
// would overflow the stack of the writer thread, which serializes it
// recursively (nlohmann's dump).
constexpr size_t kMaxDataDepth = 999;

// Whether a binary value in data is a big integer (big_integer.hpp), the
// only binary with a JSON form.
bool is_big_integer(const Json& value) {
  const std::optional<std::string_view> digits = big_integer_digits(value);
  Json parsed;
  return digits && json_integer(*digits, &parsed).ok();
}

Status binary_problem(std::string_view where) {
  return Status::invalid_argument(fmt::format(
      "field 'data': {} is a binary value, which JSON has no form for (only big integers, big_integer.hpp)", where));
}

// Checks what the JSON text of `data` needs: object keys that are valid
// UTF-8 (string values are not checked: invalid bytes there are written as
// U+FFFD) and nesting within kMaxDataDepth. Walks the containers without
// recursion, holding the ones still to look into on the stack (on the heap
// only for data with many nested containers).
Status check_data(const Json& data) {
  if (!data.is_object()) {
    return Status::invalid_argument(fmt::format("field 'data': must be a JSON object, not {}", data.type_name()));
  }
  struct Pending {
    const Json* node;
    size_t depth;
  };
  std::array<Pending, 16> near;
  std::vector<Pending> far;
  size_t pending = 0;
  const auto push = [&](const Json* node, size_t depth) {
    if (pending < near.size()) {
      near[pending] = {node, depth};
    } else {
      far.push_back({node, depth});
    }
    ++pending;
  };
  Pending at{&data, 1};
  for (;;) {
    if (at.depth > kMaxDataDepth) {
      return Status::invalid_argument(fmt::format("field 'data': nested deeper than {} levels", kMaxDataDepth));
    }
    if (at.node->is_object()) {
      for (const auto& [key, value] : at.node->get_ref<const Json::object_t&>()) {
        if (!valid_text(key)) return key_problem("data", key);
        if (value.is_structured()) push(&value, at.depth + 1);
        if (value.is_binary() && !is_big_integer(value)) return binary_problem(fmt::format("key \"{}\"", detail::excerpt(key)));
      }
    } else {
      for (const Json& item : at.node->get_ref<const Json::array_t&>()) {
        if (item.is_structured()) push(&item, at.depth + 1);
        if (item.is_binary() && !is_big_integer(item)) return binary_problem("an array item");
      }
    }
    if (pending == 0) return Status::ok_status();
    --pending;
    if (pending < near.size()) {
      at = near[pending];
    } else {
      at = far.back();
      far.pop_back();
    }
  }
}

// Tags from their JSON text: an object of string values. InvalidArgument
// naming the field when it is not.
Status read_tags(std::string_view text, std::map<std::string, std::string>* out) {
  Json tags;
  if (Status s = detail::parse_json(text, &tags); !s.ok()) {
    return Status::invalid_argument(fmt::format("field 'tags': not JSON text: {}", s.message()));
  }
  if (!tags.is_object()) {
    return Status::invalid_argument(fmt::format("field 'tags': must be a JSON object, not {}", tags.type_name()));
  }
  out->clear();
  for (const auto& [key, value] : tags.items()) {
    if (!value.is_string()) {
      return Status::invalid_argument(
          fmt::format("field 'tags.{}': must be a string, not {}", detail::excerpt(key), value.type_name()));
    }
    out->emplace(key, value.get_ref<const std::string&>());
  }
  return Status::ok_status();
}

}  // namespace

Status validate_event(const Event& event) {
  if (Status s = detail::validate_without_data(event); !s.ok()) return s;
  return check_data(event.data);
}

bool is_error_type(std::string_view event_type) {
  constexpr std::string_view kError = "error";
  constexpr std::string_view kDotError = ".error";
  return event_type == kError ||
         (event_type.size() > kDotError.size() && event_type.ends_with(kDotError));
}

Status to_event(const EventView& view, Event* out) {
  Event e;
  e.event_id = view.event_id;
  e.execution_id = view.execution_id;
  e.timestamp = view.timestamp;
  e.module_name = view.module_name;
  e.method_name = view.method_name;
  e.event_type = view.event_type;
  if (view.operation) e.operation = std::string(*view.operation);
  Status parsed = detail::parse_json(view.data_json, &e.data);
  if (parsed.ok() && !e.data.is_object()) parsed = Status::invalid_argument("data is not a JSON object");
  if (parsed.ok()) parsed = read_tags(view.tags_json, &e.tags);
  // Anything but a data object and tags of strings cannot have been stored:
  // the record is corrupt.
  if (!parsed.ok()) {
    return Status::corruption(fmt::format("event {}: stored data or tags do not parse: {}",
                                          detail::excerpt(view.event_id), parsed.message()));
  }
  *out = std::move(e);
  return Status::ok_status();
}

namespace detail {

Status validate_without_data(const Event& event) {
  if (Status s = validate_envelope(view_without_text(event)); !s.ok()) return s;
  for (const auto& [key, value] : event.tags) {
    if (!valid_text(key)) return key_problem("tags", key);
    if (!valid_text(value)) return text_problem(fmt::format("tags.{}", excerpt(key)), value);
  }
  return Status::ok_status();
}

Status validate_envelope(const EventView& event) {
  if (!valid_id(event.event_id)) return id_problem("event_id", event.event_id);
  if (!valid_id(event.execution_id)) return id_problem("execution_id", event.execution_id);
  if (event.event_type.empty()) return Status::invalid_argument("field 'event_type': must not be empty");
  if (!valid_text(event.event_type)) return text_problem("event_type", event.event_type);
  if (!valid_text(event.module_name)) return text_problem("module_name", event.module_name);
  if (!valid_text(event.method_name)) return text_problem("method_name", event.method_name);
  if (event.operation && !valid_text(*event.operation)) return text_problem("operation", *event.operation);
  return Status::ok_status();
}

Status validate_view(const EventView& event) {
  if (Status s = validate_envelope(event); !s.ok()) return s;
  Json data;
  if (Status s = parse_json(event.data_json, &data); !s.ok()) {
    return Status::invalid_argument(fmt::format("field 'data': not JSON text: {}", s.message()));
  }
  if (Status s = check_data(data); !s.ok()) return s;
  std::map<std::string, std::string> tags;
  if (Status s = read_tags(event.tags_json, &tags); !s.ok()) return s;
  return Status::ok_status();
}

EventView view_with_text(const Event& event, std::string* data_json, std::string* tags_json) {
  data_json->clear();
  append_json(event.data, data_json);
  return view_with_data_text(event, *data_json, tags_json);
}

EventView view_with_data_text(const Event& envelope, std::string_view data_json, std::string* tags_json) {
  tags_json->clear();
  append_tags_json(envelope.tags, tags_json);
  EventView v = view_without_text(envelope);
  v.data_json = data_json;
  v.tags_json = *tags_json;
  return v;
}

EventView view_without_text(const Event& event) {
  EventView v;
  v.event_id = event.event_id;
  v.execution_id = event.execution_id;
  v.timestamp = event.timestamp;
  v.module_name = event.module_name;
  v.method_name = event.method_name;
  v.event_type = event.event_type;
  if (event.operation) v.operation = *event.operation;
  return v;
}

namespace {

bool same_json(std::string_view a, std::string_view b) {
  if (a == b) return true;
  // Big integers compared by their digits (parse_json), and members
  // unordered on purpose: {"a":1,"b":2} and {"b":2,"a":1} are one value.
  Json x, y;
  if (!detail::parse_json(a, &x).ok() || !detail::parse_json(b, &y).ok()) return false;
  return nlohmann::json(x) == nlohmann::json(y);
}

}  // namespace

bool same_content(const EventView& a, const EventView& b) {
  return a.execution_id == b.execution_id && a.timestamp == b.timestamp && a.module_name == b.module_name &&
         a.method_name == b.method_name && a.event_type == b.event_type && a.operation == b.operation &&
         same_json(a.data_json, b.data_json) && same_json(a.tags_json, b.tags_json);
}

}  // namespace detail

}  // namespace streamll

#include "streamll/event.hpp"

#include <fmt/format.h>

#include "event/event_text.hpp"
#include "event/json_writer.hpp"

namespace streamll {

namespace {

Status check_id(std::string_view field, std::string_view value) {
  if (value.empty()) return Status::invalid_argument(fmt::format("field '{}': must not be empty", field));
  if (value.find('\0') != std::string_view::npos) {
    return Status::invalid_argument(fmt::format("field '{}': must not contain a NUL byte", field));
  }
  return Status::ok_status();
}

}  // namespace

Status validate_event(const Event& event) {
  Status s = check_id("event_id", event.event_id);
  if (s.ok()) s = check_id("execution_id", event.execution_id);
  if (s.ok() && event.event_type.empty()) {
    s = Status::invalid_argument("field 'event_type': must not be empty");
  }
  if (s.ok() && !event.data.is_object()) {
    s = Status::invalid_argument(
        fmt::format("field 'data': must be a JSON object, not {}", event.data.type_name()));
  }
  return s;
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
  try {
    e.data = Json::parse(view.data_json);
    const Json tags = Json::parse(view.tags_json);
    for (const auto& [key, value] : tags.items()) e.tags.emplace(key, value.get<std::string>());
  } catch (const Json::exception& ex) {
    return Status::corruption(
        fmt::format("event {}: stored data or tags do not parse: {}", view.event_id, ex.what()));
  }
  *out = std::move(e);
  return Status::ok_status();
}

namespace detail {

EventView view_with_text(const Event& event, std::string* data_json, std::string* tags_json) {
  *data_json = event.data.dump(-1, ' ', false, Json::error_handler_t::replace);
  tags_json->clear();
  append_tags_json(event.tags, tags_json);
  EventView v;
  v.event_id = event.event_id;
  v.execution_id = event.execution_id;
  v.timestamp = event.timestamp;
  v.module_name = event.module_name;
  v.method_name = event.method_name;
  v.event_type = event.event_type;
  if (event.operation) v.operation = *event.operation;
  v.data_json = *data_json;
  v.tags_json = *tags_json;
  return v;
}

}  // namespace detail

}  // namespace streamll

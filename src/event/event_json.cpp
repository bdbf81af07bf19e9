#include "streamll/event_json.hpp"

#include <fmt/format.h>

#include "event/event_text.hpp"
#include "event/json_writer.hpp"
#include "streamll/timestamp.hpp"

namespace streamll {

namespace {

Status field_error(std::string_view field, std::string_view why) {
  return Status::invalid_argument(fmt::format("field '{}': {}", field, why));
}

// nlohmann's parse error without its bracketed id, and with the token it
// quotes ("last read: '...'", as long as the rest of a truncated line)
// shortened and made valid UTF-8 for the message.
std::string parse_error_message(std::string_view what) {
  if (const auto close = what.find("] "); close != std::string_view::npos) what.remove_prefix(close + 2);
  constexpr std::string_view kLastRead = "last read: '";
  const size_t start = what.find(kLastRead);
  if (start == std::string_view::npos) return detail::excerpt(what, 512);
  const size_t token = start + kLastRead.size();
  // The token is followed by "'" at the end, or by "'; expected ...".
  size_t end = what.rfind("'; expected ");
  if (end == std::string_view::npos || end < token) end = what.size() - 1;
  if (end < token) return detail::excerpt(what, 512);
  return fmt::format("{}{}{}", detail::excerpt(what.substr(0, token), 512),
                     detail::excerpt(what.substr(token, end - token), 40), detail::excerpt(what.substr(end), 512));
}

// Reads an optional string member. Absent keeps *out (the default); JSON null
// is allowed only where `nullable`, and then also keeps *out.
Status read_string(const Json& obj, const char* field, bool required, std::string* out) {
  const auto it = obj.find(field);
  if (it == obj.end()) {
    return required ? field_error(field, "is required") : Status::ok_status();
  }
  if (!it->is_string()) return field_error(field, fmt::format("must be a string, not {}", it->type_name()));
  *out = it->get_ref<const std::string&>();
  return Status::ok_status();
}

}  // namespace

void append_event_json(const EventView& v, std::string* out) {
  using detail::append_json_string;
  out->append("{\"event_id\":");
  append_json_string(v.event_id, out);
  out->append(",\"execution_id\":");
  append_json_string(v.execution_id, out);
  out->append(",\"timestamp\":\"");
  append_timestamp(v.timestamp, out);
  out->append("\",\"module_name\":");
  append_json_string(v.module_name, out);
  out->append(",\"method_name\":");
  append_json_string(v.method_name, out);
  out->append(",\"event_type\":");
  append_json_string(v.event_type, out);
  out->append(",\"operation\":");
  if (v.operation) {
    append_json_string(*v.operation, out);
  } else {
    out->append("null");
  }
  out->append(",\"data\":");
  out->append(v.data_json);
  out->append(",\"tags\":");
  out->append(v.tags_json);
  out->push_back('}');
}

void append_event_json(const Event& event, std::string* out) {
  std::string data_json, tags_json;
  append_event_json(detail::view_with_text(event, &data_json, &tags_json), out);
}

std::string event_to_json(const Event& event) {
  std::string out;
  append_event_json(event, &out);
  return out;
}

Status event_from_json(std::string_view text, Event* out) {
  Json obj;
  try {
    obj = Json::parse(text);
  } catch (const Json::exception& ex) {
    // A syntax error (parse_error), or a number too large for a double
    // (out_of_range.406, "number overflow parsing '1e400'", which escaped a
    // catch of parse_error alone). ex.what() reads
    // "[json.exception.parse_error.101] parse error at line 1, column 5:
    // syntax error ..."; keep the part after the bracketed id.
    return Status::invalid_argument(fmt::format("invalid JSON: {}", parse_error_message(ex.what())));
  }
  if (!obj.is_object()) {
    return Status::invalid_argument(fmt::format("expected a JSON object, not {}", obj.type_name()));
  }

  Event e;
  Status s;
  bool has_id = obj.contains("event_id");
  if (!(s = read_string(obj, "event_id", false, &e.event_id)).ok()) return s;
  if (!has_id) e.event_id = generate_event_id();
  if (!(s = read_string(obj, "execution_id", true, &e.execution_id)).ok()) return s;
  if (!(s = read_string(obj, "module_name", false, &e.module_name)).ok()) return s;
  if (!(s = read_string(obj, "method_name", false, &e.method_name)).ok()) return s;
  if (!(s = read_string(obj, "event_type", true, &e.event_type)).ok()) return s;

  if (const auto it = obj.find("timestamp"); it == obj.end()) {
    e.timestamp = now_ns();  // upstream's default_factory: datetime.now(UTC)
  } else if (!it->is_string()) {
    return field_error("timestamp", fmt::format("must be a string, not {}", it->type_name()));
  } else if (!(s = parse_timestamp(it->get_ref<const std::string&>(), &e.timestamp)).ok()) {
    return field_error("timestamp", s.message());
  }

  if (const auto it = obj.find("operation"); it != obj.end() && !it->is_null()) {
    if (!it->is_string()) {
      return field_error("operation", fmt::format("must be a string or null, not {}", it->type_name()));
    }
    e.operation = it->get<std::string>();
  }

  if (const auto it = obj.find("data"); it != obj.end()) {
    if (!it->is_object()) return field_error("data", fmt::format("must be an object, not {}", it->type_name()));
    e.data = std::move(*it);
  }

  if (const auto it = obj.find("tags"); it != obj.end()) {
    if (!it->is_object()) return field_error("tags", fmt::format("must be an object, not {}", it->type_name()));
    for (const auto& [key, value] : it->items()) {
      if (!value.is_string()) {
        return field_error(fmt::format("tags.{}", detail::excerpt(key)),
                           fmt::format("must be a string, not {}", value.type_name()));
      }
      e.tags[key] = value.get<std::string>();
    }
  }

  if (!(s = validate_event(e)).ok()) return s;
  *out = std::move(e);
  return Status::ok_status();
}

}  // namespace streamll

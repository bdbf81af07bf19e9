#include "streamll/event_json.hpp"

#include <fmt/format.h>

#include "event/event_decoder.hpp"
#include "event/event_text.hpp"
#include "event/json_writer.hpp"
#include "streamll/timestamp.hpp"

namespace streamll {

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
  detail::DecodedEvent decoded;
  if (Status s = detail::decode_event_json(text, &decoded); !s.ok()) return s;
  return to_event(decoded.view(), out);
}

}  // namespace streamll

// Fuzz target: the record decoder (record::decode), which reads every value
// of the store's events column family: bytes from disk, trusted to be
// nothing in particular.
//
// Properties: decoding never reads out of bounds or throws; a rejected input
// is Corruption naming the record field; an accepted one re-encodes to the
// same bytes (or, where the input used longer varints than needed, to fewer
// bytes that decode to the same view), and re-encoding is a fixed point.
// When its data and tags parse (to_event) they are JSON objects, the event
// survives the store's own write path unchanged, and, for a record as the
// store writes it, what `streamll export` writes imports again (equal when
// the envelope is valid UTF-8, which is all JSON can carry).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "event/event_text.hpp"
#include "event/record.hpp"
#include "fuzz_check.hpp"
#include "streamll/event_json.hpp"

using namespace streamll;

namespace {

bool same_view(const EventView& a, const EventView& b) {
  return a.seq == b.seq && a.timestamp == b.timestamp && a.event_id == b.event_id &&
         a.execution_id == b.execution_id && a.module_name == b.module_name &&
         a.method_name == b.method_name && a.event_type == b.event_type &&
         a.operation == b.operation && a.data_json == b.data_json && a.tags_json == b.tags_json;
}

bool envelope_is_utf8(const EventView& v) {
  using fuzz::is_utf8;
  return is_utf8(v.event_id) && is_utf8(v.execution_id) && is_utf8(v.module_name) &&
         is_utf8(v.method_name) && is_utf8(v.event_type) && (!v.operation || is_utf8(*v.operation));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  EventView view;
  const Status s = record::decode(bytes, &view);
  if (!s.ok()) {
    FUZZ_CHECK(s.is_corruption());
    FUZZ_CHECK(s.message().starts_with("record field '"));
    return 0;
  }

  std::string again;
  record::encode(view, &again);
  FUZZ_CHECK(again == bytes || again.size() < bytes.size());
  EventView reread;
  FUZZ_CHECK(record::decode(again, &reread).ok());
  FUZZ_CHECK(same_view(view, reread));
  std::string third;
  record::encode(reread, &third);
  FUZZ_CHECK(third == again);

  Event event;
  const Status parsed = to_event(view, &event);
  if (!parsed.ok()) {
    FUZZ_CHECK(parsed.is_corruption());
    return 0;
  }
  FUZZ_CHECK(event.data.is_object());

  // The store's write path for this event: the same event comes back.
  std::string data_json, tags_json, rewritten;
  EventView fresh = detail::view_with_text(event, &data_json, &tags_json);
  fresh.seq = view.seq;
  record::encode(fresh, &rewritten);
  EventView fresh_back;
  FUZZ_CHECK(record::decode(rewritten, &fresh_back).ok());
  Event event_back;
  FUZZ_CHECK(to_event(fresh_back, &event_back).ok());
  FUZZ_CHECK(event_back == event);

  // Export then import (what `streamll export | streamll import -` does).
  // Export copies data and tags as stored; for a record as the store writes
  // it (compact JSON) the line imports to the same event (envelope bytes
  // that are not UTF-8 become U+FFFD); for any other it must at least not
  // crash the importer.
  std::string line;
  append_event_json(view, &line);
  Event imported;
  const Status in = event_from_json(line, &imported);
  if (view.data_json == data_json && view.tags_json == tags_json && validate_event(event).ok()) {
    if (!in.ok()) std::fprintf(stderr, "%s\n%s\n", line.c_str(), in.to_string().c_str());
    FUZZ_CHECK(in.ok());
    if (envelope_is_utf8(view)) FUZZ_CHECK(imported == event);
  } else if (!in.ok()) {
    FUZZ_CHECK(in.is_invalid_argument());
  }
  return 0;
}

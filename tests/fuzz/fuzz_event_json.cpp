// Fuzz target: the JSON event decoder (event_from_json), the way into the
// store for every line of `streamll import` and every entry `streamll
// ingest` reads from Redis.
//
// Properties: decoding returns a Status and never throws; a rejected input is
// InvalidArgument with a message; an accepted one is a valid event that
// encodes to JSON which decodes to an equal event and encodes to the same
// text again; through the store's record it exports to that same text.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "event/event_text.hpp"
#include "event/record.hpp"
#include "fuzz_check.hpp"
#include "streamll/event_json.hpp"

using namespace streamll;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  Event event;
  const Status s = event_from_json(text, &event);
  if (!s.ok()) {
    FUZZ_CHECK(s.is_invalid_argument());
    FUZZ_CHECK(!s.message().empty());
    return 0;
  }
  FUZZ_CHECK(validate_event(event).ok());
  FUZZ_CHECK(event.data.is_object());

  // Encode, decode: the same event, and the encoding is a fixed point.
  const std::string json = event_to_json(event);
  Event back;
  FUZZ_CHECK(event_from_json(json, &back).ok());
  FUZZ_CHECK(back == event);
  FUZZ_CHECK(event_to_json(back) == json);

  // As the store keeps it: the record, exported without parsing data and
  // tags, gives the same text; read back as an Event, the same event.
  std::string data_json, tags_json, bytes;
  EventView view = detail::view_with_text(event, &data_json, &tags_json);
  view.seq = 1;
  record::encode(view, &bytes);
  EventView stored;
  FUZZ_CHECK(record::decode(bytes, &stored).ok());
  std::string exported;
  append_event_json(stored, &exported);
  FUZZ_CHECK(exported == json);
  Event from_record;
  FUZZ_CHECK(to_event(stored, &from_record).ok());
  FUZZ_CHECK(from_record == event);
  return 0;
}

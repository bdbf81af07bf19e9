// Upstream's JSON of one event, read in one pass straight into the text the
// store keeps: the envelope as strings, data and tags as compact JSON, with no
// JSON tree built on the way (event_json.hpp's readers both use it).
#pragma once

#include <string>
#include <string_view>

#include "streamll/event.hpp"
#include "streamll/status.hpp"

namespace streamll::detail {

// One decoded event. Reuse one across calls: its strings keep their memory.
struct DecodedEvent {
  std::string event_id, execution_id, module_name, method_name, event_type, operation;
  bool has_operation = false;
  int64_t timestamp = 0;
  std::string data_json;  // compact, as append_json() writes data (json_writer.hpp)
  std::string tags_json;  // compact, keys sorted, as append_tags_json() writes tags

  // A view over the strings above (seq 0), valid until the next decode.
  EventView view() const;
};

// Decodes `text`, upstream's JSON object of one event (event_json.hpp), into
// *out. The text kept for data is byte for byte what parsing data into a Json
// and writing it with append_json() gives (key order kept, a key given twice
// kept at its first place with its last value, nlohmann's number formatting),
// except that an integer beyond 64 bits keeps its digits, where a Json would
// round it to a double. Fails with InvalidArgument as event_from_json()
// documents (a JSON syntax error with its position, the first field that is
// missing or of the wrong type, then validate_event()'s checks); *out is then
// unspecified. Cost: one pass over the text, no allocation per value once
// *out's strings have grown; linear in the number of keys of an object, also
// when it has 100,000 (a hash set per object beyond a few dozen keys).
Status decode_event_json(std::string_view text, DecodedEvent* out);

}  // namespace streamll::detail

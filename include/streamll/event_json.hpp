// The JSON codec of events, compatible both ways with upstream Python
// streamll (pydantic's model_dump_json / model_validate_json).
//
// Writes one object with the fields in upstream's order:
//   {"event_id":"…","execution_id":"…","timestamp":"2025-08-24T12:40:47.591526Z",
//    "module_name":"…","method_name":"…","event_type":"…","operation":null,
//    "data":{…},"tags":{…}}
// Reads that, and what upstream has written over time: either timestamp form
// (see timestamp.hpp), \u escapes including surrogate pairs, missing optional
// fields taking upstream's defaults (event_id is generated when absent, as
// upstream's default_factory does). Unknown fields are ignored.
//
// Thread-safety: all functions are pure; call them from any thread.
#pragma once

#include <string>
#include <string_view>

#include "streamll/event.hpp"
#include "streamll/status.hpp"

namespace streamll {

// Appends the JSON object of `event` (no newline) to `out`.
// Cost: one pass over the fields plus a dump of data.
void append_event_json(const Event& event, std::string* out);

// Same for a stored view: data and tags are copied as the text they are, so
// exporting never parses them.
void append_event_json(const EventView& view, std::string* out);

// The JSON object of `event` as a new string.
std::string event_to_json(const Event& event);

// Decodes one JSON object into *out. On failure returns InvalidArgument
// naming the field ("field 'timestamp': ...") or the JSON syntax error and
// its byte offset; *out is then unspecified. A key given twice keeps its
// first place and its last value; an integer beyond 64 bits in data becomes
// a big integer in the Event's tree (big_integer.hpp), every digit kept.
// Cost: one pass over the text,
// then one over data's text to build the tree (linear in its keys).
Status event_from_json(std::string_view text, Event* out);

}  // namespace streamll

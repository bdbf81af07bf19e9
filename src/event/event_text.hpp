// The bridge from an owned Event to an EventView: data and tags serialized to
// JSON text once, so that the JSON codec and the record codec share one
// writer each.
#pragma once

#include <string>

#include "streamll/event.hpp"

namespace streamll::detail {

// Serializes event.data into *data_json and event.tags into *tags_json
// (replacing their contents) and returns a view of `event` over them. The
// view is valid while `event` and both strings are unchanged.
EventView view_with_text(const Event& event, std::string* data_json, std::string* tags_json);

// view_with_text() for an event whose data is JSON text already
// (`data_json`; envelope.data is not read): only the tags are serialized.
// The view is valid while `envelope`, `data_json` and *tags_json are.
EventView view_with_data_text(const Event& envelope, std::string_view data_json, std::string* tags_json);

// A view of `event`'s envelope with data_json and tags_json left empty, for a
// caller that has their text already (an EventBatch).
EventView view_without_text(const Event& event);

// validate_event()'s checks of the envelope (ids, event_type, module and
// method names, operation), for an event whose data and tags are text.
Status validate_envelope(const EventView& event);

// validate_event()'s checks of everything but data: the envelope and tags,
// for an event whose data its maker checked already.
Status validate_without_data(const Event& event);

// validate_event()'s checks for an event whose data and tags are text: the
// envelope, then data_json and tags_json parsed (JSON objects, data within
// the nesting limit, tag values strings). Cost: a parse of both.
Status validate_view(const EventView& event);

// Whether two events say the same thing: every envelope field equal, and
// data and tags equal as JSON values (the same text, or text that parses to
// the same value: key order and number spelling aside). event_id and seq are
// not compared. Cost: a few compares; a JSON parse of both only when the
// text differs.
bool same_content(const EventView& a, const EventView& b);

}  // namespace streamll::detail

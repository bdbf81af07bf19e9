// The entries of a Redis stream as the consumer reads them: the replies of
// XREAD, XREADGROUP and XAUTOCLAIM taken apart, entry ids compared, and an
// entry decoded into an Event in any wire format streamll has written
// (field `message`, `event` from older upstream sinks, or one the writer was
// told).
//
// Thread-safety: pure functions on values.
#pragma once

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "event/event_decoder.hpp"
#include "redis/connection.hpp"
#include "streamll/event.hpp"
#include "streamll/status.hpp"

namespace streamll::consume {

struct StreamEntry {
  std::string id;  // "1726590152137-0"
  std::vector<std::pair<std::string, std::string>> fields;
  bool deleted = false;  // still pending in a group, but no longer in the stream
};

// A stream entry id, ordered as Redis orders them.
struct EntryId {
  uint64_t ms = 0;
  uint64_t seq = 0;
  friend auto operator<=>(const EntryId&, const EntryId&) = default;
};

// Parses "<ms>-<seq>" or "<ms>"; false for anything else.
bool parse_entry_id(std::string_view text, EntryId* out);

// Appends the entries of an XREAD or XREADGROUP reply for one stream (nil, or
// [[key, [[id, [field, value, ...] or nil], ...]]]) to *out, moving the
// strings out of `reply`. Corruption when the reply has another shape.
Status take_read_reply(redis::Reply* reply, std::vector<StreamEntry>* out);

// Appends the entries of an XRANGE or XREVRANGE reply to *out.
Status take_range_reply(redis::Reply* reply, std::vector<StreamEntry>* out);

// Takes an XAUTOCLAIM reply apart: [next cursor, entries, deleted ids] (the
// third element since Redis 7). Entries go to *out, the ids of pending
// entries no longer in the stream (which Redis drops from the pending list
// itself) to *deleted.
Status take_claim_reply(redis::Reply* reply, std::string* cursor, std::vector<StreamEntry>* out,
                        std::vector<std::string>* deleted);

// Decodes the event of `entry`: the JSON of its `field_first` field, else
// of its `message` field, else of its `event` field, into the text the store
// keeps (event_decoder.hpp: data as compact JSON, an integer beyond 64 bits
// with its digits). InvalidArgument when none is there ("no 'payload',
// 'message' or 'event' field (fields: a, b)") or the JSON does not decode ("field 'message': field 'event_type': is
// required").
Status decode_entry(const StreamEntry& entry, std::string_view field_first, detail::DecodedEvent* out);

}  // namespace streamll::consume

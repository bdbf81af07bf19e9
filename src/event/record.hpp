// The binary record of one stored event, as a block (store/block.hpp) holds it.
// Layout (doc/format.md, "Event record"), all integers little-endian:
//   u8      record version (1)
//   u64     seq
//   i64     timestamp (ns since the epoch)
//   varint  length, bytes   event_id
//   varint  length, bytes   execution_id
//   varint  length, bytes   module_name
//   varint  length, bytes   method_name
//   varint  length, bytes   event_type
//   u8      1 if operation present, else 0; then varint length, bytes
//   varint  length, bytes   data (JSON object text)
//   varint  length, bytes   tags (JSON object text)
// The envelope decodes without touching the JSON.
//
// A pruned record (Store::prune removed its event from a block it shared
// with events that stay) keeps its place, so that record i of a block still
// has seq first_seq + i:
//   u8      0
//   u64     seq
#pragma once

#include <string>
#include <string_view>

#include "streamll/event.hpp"
#include "streamll/status.hpp"

namespace streamll::record {

inline constexpr unsigned char kVersion = 1;
inline constexpr unsigned char kPruned = 0;  // the first byte of a pruned record

// Appends the record of `view` (with view.seq) to *out.
void encode(const EventView& view, std::string* out);

// Decodes `bytes` into *out, whose string_views point into `bytes`. Returns
// Corruption naming the field that does not fit, or an unknown version.
Status decode(std::string_view bytes, EventView* out);

// Appends the pruned record of `seq` to *out (9 bytes).
void encode_pruned(uint64_t seq, std::string* out);

// Whether `bytes` are a pruned record (by its first byte; decode() checks the rest).
inline bool is_pruned(std::string_view bytes) {
  return !bytes.empty() && static_cast<unsigned char>(bytes[0]) == kPruned;
}

}  // namespace streamll::record

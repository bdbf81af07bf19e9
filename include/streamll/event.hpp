// Event: one structured observation of a pipeline run, with exactly the fields
// of upstream Python streamll's StreamllEvent, so that events flow between the
// two unchanged.
//
// Thread-safety: Event and EventView are plain values; share them read-only or
// copy them. generate_event_id() may be called from any thread at once.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "streamll/status.hpp"

namespace streamll {

// JSON values keep the key order they were built or parsed in, so that an
// import followed by an export gives back the same text.
using Json = nlohmann::ordered_json;

struct Event {
  std::string event_id;            // unique per event; see generate_event_id()
  std::string execution_id;        // groups the events of one run (required)
  int64_t timestamp = 0;           // ns since the Unix epoch, UTC
  std::string module_name = "unknown";
  std::string method_name = "forward";
  std::string event_type;          // e.g. "rag.retrieval.start" (required)
  std::optional<std::string> operation;  // JSON null when absent
  Json data = Json::object();      // always a JSON object; big_integer.hpp for integers beyond 64 bits
  std::map<std::string, std::string> tags;

  friend bool operator==(const Event&, const Event&) = default;
};

// A non-owning view of an event as stored: the envelope as strings, data and
// tags as their JSON text (never parsed on the way through), plus the store's
// arrival sequence number. The viewed bytes belong to whoever produced the
// view (an iterator: valid until it moves).
struct EventView {
  std::string_view event_id;
  std::string_view execution_id;
  int64_t timestamp = 0;
  std::string_view module_name;
  std::string_view method_name;
  std::string_view event_type;
  std::optional<std::string_view> operation;
  std::string_view data_json;  // a JSON object
  std::string_view tags_json;  // a JSON object of string values
  uint64_t seq = 0;            // arrival order in the store (1, 2, ...); 0 if not stored
};

// Copies a view into an owned Event, parsing data and tags.
// Cost: one JSON parse of data and tags. Fails with Corruption when the
// stored JSON does not parse.
Status to_event(const EventView& view, Event* out);

// A 12-character id of upstream's nanoid alphabet (A-Za-z0-9_-), like
// upstream's nanoid(size=12), but time-ordered: ids sort by byte in the
// order they were made, so the store's id index takes them at its end
// rather than at random places. The 72 bits are 42 bits of milliseconds
// since 2020, a 22-bit counter and 8 random bits. Uniqueness: within a
// process, no two ids are equal: each thread takes runs of 16 values of one
// process-wide counter by compare-and-swap, so a thread's ids increase and
// ids of different threads sort by their millisecond; across processes and runs, the clock
// moves on, and within one millisecond the counter starts at a random
// value below 2^21 and 8 more bits are random, so two processes collide
// only if, in the same millisecond, their counters overlap and the random
// bits match (about k/2^29 for k ids each). The store still looks up every
// id it was not vouched for (AppendOptions::fresh_ids). Cost: ~15 ns (a
// coarse clock read, a draw of a per-thread xoshiro256**, and a CAS every
// 16 ids).
// Thread-safe, lock-free.
std::string generate_event_id();

// Checks what every stored event needs: non-empty event_id, execution_id and
// event_type; no NUL byte in the ids; valid UTF-8 in the envelope strings,
// the tags and the keys of data (bytes that are not UTF-8 in a string value
// of data are stored as U+FFFD), so that what is stored exports as the same
// JSON; data a JSON object nested at most 999 levels deep (deeper data would
// overflow the stack of the thread that serializes it). Returns
// InvalidArgument naming the field. Cost: a scan of the strings and of
// data's containers (a few hundred instructions for a typical event).
Status validate_event(const Event& event);

// True for "error" and any type ending in ".error": what the executions
// summary counts as an error.
bool is_error_type(std::string_view event_type);

}  // namespace streamll

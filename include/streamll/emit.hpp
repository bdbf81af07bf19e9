// Emitting events into the process-wide runtime (runtime.hpp).
//
// Cost on the calling thread: fill in the missing fields, check the type
// filters, merge the context pairs, move the event into a lock-free queue:
// on the order of 100 ns; no I/O, no lock. With no runtime, a few ns.
// What happens when the queue is full is the runtime's OverflowPolicy.
// Events of one thread reach the store in the order that thread emitted them.
//
// Thread-safety: call from any number of threads at once.
#pragma once

#include <string>

#include "streamll/event.hpp"

namespace streamll {

// Queues `event`. An empty event_id, execution_id or timestamp (0) is filled
// with generate_event_id(), get_execution_id() and event_now(). Context pairs
// (context.hpp) are merged under the event's data. Returns false when the
// event was not queued: no runtime, filtered out, dropped, or invalid (an
// empty event_type, a non-object data, a NUL byte in an id); every case but
// "no runtime" is counted in stats().
bool emit_event(Event event);

// The helper upstream calls emit_custom: an event of `event_type` with `data`
// in the current execution, method_name "forward", no operation.
bool emit(std::string event_type, Json data = Json::object(), std::string module_name = "unknown");

}  // namespace streamll

// Emitting events into the process-wide runtime (runtime.hpp).
//
// Cost on the calling thread: fill in the missing fields, check the type
// filters, merge the context pairs, move the event into a lock-free queue:
// about 100 ns (mostly the clock and a time-ordered id; inside an
// ExecutionScope the execution id is shared with the queued event, not
// copied); no allocation for the envelope, no I/O, no lock. Validation and serialization happen on the writer.
// With no runtime, a few ns.
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
// event was not queued: no runtime, filtered out, or dropped; every case but
// "no runtime" is counted in stats(). An invalid event (an empty
// event_type, a non-object data, a NUL byte in an id) is queued and then
// refused by the writer, which validates every event once, off the
// emitting thread: it is counted in stats().invalid, never stored.
bool emit_event(Event event);

// The helper upstream calls emit_custom: an event of `event_type` with `data`
// in the current execution, method_name "forward", no operation.
bool emit(std::string event_type, Json data = Json::object(), std::string module_name = "unknown");

}  // namespace streamll

#include "streamll/emit.hpp"

#include "emit/runtime_access.hpp"
#include "streamll/context.hpp"
#include "streamll/timestamp.hpp"

namespace streamll {

namespace {

// Hands the event to the active runtime's pipeline, if any; both entry
// points below end here, so an event is moved once on the way in.
bool submit(Event&& event) {
  if (!detail::runtime_active()) {
    detail::note_if_forked();
    return false;
  }
  detail::PipelineRef ref;
  return ref && ref->submit(std::move(event));
}

}  // namespace

bool emit_event(Event event) { return submit(std::move(event)); }

bool emit(std::string event_type, Json data, std::string module_name) {
  // Built in place: default-constructing data first would allocate an
  // empty object only to free it.
  return submit(Event{.module_name = std::move(module_name),
                      .event_type = std::move(event_type),
                      .data = std::move(data)});
}

}  // namespace streamll

#include "streamll/emit.hpp"

#include "emit/runtime_access.hpp"
#include "streamll/context.hpp"
#include "streamll/timestamp.hpp"

namespace streamll {

bool emit_event(Event event) {
  if (!detail::runtime_active()) {
    detail::note_if_forked();
    return false;
  }
  detail::PipelineRef ref;
  return ref && ref->submit(std::move(event));
}

bool emit(std::string event_type, Json data, std::string module_name) {
  if (!detail::runtime_active()) {
    detail::note_if_forked();
    return false;
  }
  detail::PipelineRef ref;
  // Built in place: default-constructing data first would allocate an
  // empty object only to free it.
  return ref && ref->submit(Event{.module_name = std::move(module_name),
                                  .event_type = std::move(event_type),
                                  .data = std::move(data)});
}

}  // namespace streamll

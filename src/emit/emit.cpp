#include "streamll/emit.hpp"

#include "emit/runtime_access.hpp"
#include "streamll/context.hpp"
#include "streamll/timestamp.hpp"

namespace streamll {

namespace {

// Hands the event to the active runtime's pipeline, if any, through
// `give` (a Pipeline member); every entry point ends here, so an event is
// moved once on the way in.
template <typename Give>
bool submit(Give give) {
  if (!detail::runtime_active()) {
    detail::note_if_forked();
    return false;
  }
  detail::PipelineRef ref;
  return ref && give(*ref);
}

bool submit(Event&& event) {
  return submit([&](detail::Pipeline& p) { return p.submit(std::move(event)); });
}

}  // namespace

namespace detail {

bool emit_encoded(Event&& envelope, std::string&& data_json) {
  return submit([&](Pipeline& p) { return p.submit_encoded(std::move(envelope), std::move(data_json)); });
}

}  // namespace detail

bool emit_event(Event event) { return submit(std::move(event)); }

bool emit(std::string event_type, Json data, std::string module_name) {
  // Built in place: default-constructing data first would allocate an
  // empty object only to free it.
  return submit(Event{.module_name = std::move(module_name),
                      .event_type = std::move(event_type),
                      .data = std::move(data)});
}

}  // namespace streamll

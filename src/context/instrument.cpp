#include "streamll/instrument.hpp"

#include <cxxabi.h>

#include <cstdlib>
#include <memory>
#include <typeinfo>

namespace streamll {

namespace {

std::string type_name_of(const std::exception& e) {
  const char* mangled = typeid(e).name();
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> demangled(abi::__cxa_demangle(mangled, nullptr, nullptr, &status),
                                                   std::free);
  return status == 0 && demangled ? demangled.get() : mangled;
}

}  // namespace

Instrument::Instrument(std::string operation, std::string module_name, Json metadata)
    : operation_(std::move(operation)),
      module_name_(std::move(module_name)),
      metadata_(metadata.is_object() ? std::move(metadata) : Json::object()),
      started_(std::chrono::steady_clock::now()),
      uncaught_at_start_(std::uncaught_exceptions()) {
  if (!has_execution_id()) own_execution_.emplace();
  execution_id_ = get_execution_id();
  Json data = metadata_;
  data["stage"] = "start";
  emit_event(make("start", std::move(data)));
}

Instrument::~Instrument() {
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  const bool failed = error_.has_value() || std::uncaught_exceptions() > uncaught_at_start_;
  Json data = metadata_;
  data["duration_seconds"] = seconds;
  data["stage"] = failed ? "error" : "end";
  if (failed) {
    data["error_type"] = error_ ? error_->first : "unknown";
    data["error_message"] = error_ ? error_->second : "an exception left the scope";
  }
  try {
    emit_event(make(failed ? "error" : "end", std::move(data)));
  } catch (...) {
    // A destructor must not throw (allocation failure is the only way here).
  }
}

void Instrument::emit(std::string event_type, Json data) const {
  Json merged = metadata_;
  if (data.is_object()) {
    for (auto& [key, value] : data.items()) merged[key] = std::move(value);
  }
  emit_event(make(std::move(event_type), std::move(merged)));
}

void Instrument::fail(const std::exception& e) { error_.emplace(type_name_of(e), e.what()); }

Event Instrument::make(std::string event_type, Json data) const {
  Event e;
  e.execution_id = execution_id_;
  e.module_name = module_name_;
  e.method_name = operation_;
  e.operation = operation_;
  e.event_type = std::move(event_type);
  e.data = std::move(data);
  return e;
}

}  // namespace streamll

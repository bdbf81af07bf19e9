// Instrumentation scopes: a "start" event on entry, and on exit an "end"
// event with data.duration_seconds, or an "error" event with error_type,
// error_message and duration_seconds when an exception leaves the scope
// (which then propagates unchanged). As upstream's trace():
// module_name is the given module ("manual" by default), method_name and
// operation are the operation, data holds the metadata plus "stage".
//
//   {
//     auto scope = streamll::trace("retrieve", "RAGPipeline", {{"k", 3}});
//     scope.emit("rag.retrieval.progress", {{"docs", 2}});
//     ...
//   }
//   auto answer = streamll::instrument("forward", "RAGPipeline", &RAG::forward)(rag, question);
//
// A scope joins the execution active on its thread, or opens a new one when
// none is, so nested scopes share one execution id.
//
// The exception's type and message are known when it passes through
// instrument() or Instrument::run(), or when the code calls fail(e); a bare
// RAII scope only sees that an exception is unwinding it, and records
// error_type "unknown".
//
// Cost: two emits (see emit.hpp) and a steady_clock read at each end.
// Thread-safety: a scope belongs to the thread that made it.
#pragma once

#include <chrono>
#include <exception>
#include <functional>
#include <optional>
#include <string>
#include <utility>

#include "streamll/context.hpp"
#include "streamll/emit.hpp"
#include "streamll/event.hpp"

namespace streamll {

class Instrument {
 public:
  explicit Instrument(std::string operation, std::string module_name = "manual",
                      Json metadata = Json::object());
  ~Instrument();
  Instrument(const Instrument&) = delete;
  Instrument& operator=(const Instrument&) = delete;

  // A custom event inside the scope: its operation, module and metadata,
  // with `data` over the metadata.
  void emit(std::string event_type, Json data = Json::object()) const;

  // Records `e` as the error the scope ends with (type name and what()).
  void fail(const std::exception& e);

  // Runs f() inside the scope; an exception is recorded and rethrown.
  template <typename F>
  decltype(auto) run(F&& f) {
    try {
      return std::forward<F>(f)();
    } catch (const std::exception& e) {
      fail(e);
      throw;
    }
  }

  const std::string& execution_id() const { return execution_id_; }

 private:
  Event make(std::string event_type, Json data) const;

  std::optional<ExecutionScope> own_execution_;  // only when none was active
  std::string execution_id_;
  std::string operation_;
  std::string module_name_;
  Json metadata_;
  std::chrono::steady_clock::time_point started_;
  int uncaught_at_start_;
  std::optional<std::pair<std::string, std::string>> error_;  // type, message
};

// The scope as a value: `auto scope = streamll::trace("step");`.
inline Instrument trace(std::string operation, std::string module_name = "manual",
                        Json metadata = Json::object()) {
  return Instrument(std::move(operation), std::move(module_name), std::move(metadata));
}

// Wraps any callable (a function, a lambda, a member function pointer taking
// the object first) so that each call runs inside an Instrument scope.
template <typename F>
auto instrument(std::string operation, std::string module_name, F&& f) {
  return [operation = std::move(operation), module_name = std::move(module_name),
          f = std::forward<F>(f)](auto&&... args) mutable -> decltype(auto) {
    Instrument scope(operation, module_name);
    return scope.run([&]() -> decltype(auto) { return std::invoke(f, std::forward<decltype(args)>(args)...); });
  };
}

}  // namespace streamll

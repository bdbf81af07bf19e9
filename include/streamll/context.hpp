// Execution context: which execution the events of this thread belong to,
// and key/value pairs merged into the data of every event it emits.
//
// Everything here is thread-local: a thread sees only its own scopes and
// pairs. To carry a context into a worker thread, capture it in the parent
// and adopt it in the worker:
//
//   streamll::ExecutionScope run;                 // a new execution for this request
//   auto ctx = streamll::capture_context();
//   pool.submit([ctx] { streamll::ContextScope adopt(ctx); retrieve(); });
//
// Cost: entering or leaving a scope copies one string and a small map; no
// locks, no I/O.
#pragma once

#include <string>
#include <vector>

#include "streamll/event.hpp"

namespace streamll {

// A new execution id: 32 lowercase hex characters (128 random bits), the
// shape of DSPy's call ids.
std::string new_execution_id();

// The execution id of the innermost active scope on this thread. With no
// scope active, a new id for each call, as upstream does: an event emitted
// outside any scope is an execution of its own. Use ExecutionScope to group.
std::string get_execution_id();

// True when a scope on this thread has set an execution id.
bool has_execution_id();

// Sets this thread's execution id for its lifetime and restores the outer
// one (or none) on destruction. Nestable. Not movable: tie it to a block.
class ExecutionScope {
 public:
  ExecutionScope();                                   // a new id (new_execution_id())
  explicit ExecutionScope(std::string execution_id);  // a given id
  ~ExecutionScope();
  ExecutionScope(const ExecutionScope&) = delete;
  ExecutionScope& operator=(const ExecutionScope&) = delete;

  const std::string& execution_id() const { return id_; }

 private:
  std::string id_;
  std::string previous_;
  bool had_previous_;
};

// Adds (or replaces) a pair merged into the data of every event this thread
// emits from now on, beneath the event's own keys (an event's own value wins).
void set_context(const std::string& key, Json value);
// Removes one pair, or all of them.
void clear_context(const std::string& key);
void clear_context();
// This thread's pairs.
const Json& context_data();

// A snapshot of this thread's execution id and pairs, to hand to another thread.
struct Context {
  std::string execution_id;  // "" when no scope was active
  Json data = Json::object();
};
Context capture_context();

// Makes `context` this thread's until destruction, then restores what was.
class ContextScope {
 public:
  explicit ContextScope(const Context& context);
  ~ContextScope();
  ContextScope(const ContextScope&) = delete;
  ContextScope& operator=(const ContextScope&) = delete;

 private:
  Context previous_;
  bool had_id_;
};

}  // namespace streamll

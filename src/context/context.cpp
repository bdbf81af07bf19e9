#include "streamll/context.hpp"

#include <fmt/format.h>

#include "common/random.hpp"
#include "context/execution_ref.hpp"

namespace streamll {

namespace {

struct ThreadContext {
  std::string execution_id;
  bool has_id = false;
  // execution_id shared with queued events; made at the first emit in a
  // scope, dropped whenever execution_id changes (set_id).
  std::shared_ptr<const std::string> shared_id;
  Json data = Json::object();

  void set_id(std::string id, bool has) {
    execution_id = std::move(id);
    has_id = has;
    shared_id.reset();
  }
};

ThreadContext& current() {
  thread_local ThreadContext context;
  return context;
}

}  // namespace

std::string new_execution_id() {
  return fmt::format("{:016x}{:016x}", detail::random_u64(), detail::random_u64());
}

std::string get_execution_id() {
  const ThreadContext& c = current();
  return c.has_id ? c.execution_id : new_execution_id();
}

bool has_execution_id() { return current().has_id; }

ExecutionScope::ExecutionScope() : ExecutionScope(new_execution_id()) {}

ExecutionScope::ExecutionScope(std::string execution_id) : id_(std::move(execution_id)) {
  ThreadContext& c = current();
  had_previous_ = c.has_id;
  previous_ = std::move(c.execution_id);
  c.set_id(id_, true);
}

ExecutionScope::~ExecutionScope() { current().set_id(std::move(previous_), had_previous_); }

void set_context(const std::string& key, Json value) { current().data[key] = std::move(value); }
void clear_context(const std::string& key) { current().data.erase(key); }
void clear_context() { current().data = Json::object(); }
const Json& context_data() { return current().data; }

Context capture_context() {
  const ThreadContext& c = current();
  return Context{c.has_id ? c.execution_id : std::string(), c.data};
}

ContextScope::ContextScope(const Context& context) {
  ThreadContext& c = current();
  had_id_ = c.has_id;
  previous_.execution_id = std::move(c.execution_id);
  previous_.data = std::move(c.data);
  c.set_id(context.execution_id, !context.execution_id.empty());
  c.data = context.data;
}

ContextScope::~ContextScope() {
  ThreadContext& c = current();
  c.set_id(std::move(previous_.execution_id), had_id_);
  c.data = std::move(previous_.data);
}

namespace detail {

std::shared_ptr<const std::string> current_execution_ref() {
  ThreadContext& c = current();
  if (!c.has_id) return nullptr;
  if (!c.shared_id) c.shared_id = std::make_shared<const std::string>(c.execution_id);
  return c.shared_id;
}

}  // namespace detail

}  // namespace streamll

#include "streamll/context.hpp"

#include <fmt/format.h>

#include "common/random.hpp"

namespace streamll {

namespace {

struct ThreadContext {
  std::string execution_id;
  bool has_id = false;
  Json data = Json::object();
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
  c.execution_id = id_;
  c.has_id = true;
}

ExecutionScope::~ExecutionScope() {
  ThreadContext& c = current();
  c.execution_id = std::move(previous_);
  c.has_id = had_previous_;
}

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
  c.execution_id = context.execution_id;
  c.has_id = !context.execution_id.empty();
  c.data = context.data;
}

ContextScope::~ContextScope() {
  ThreadContext& c = current();
  c.execution_id = std::move(previous_.execution_id);
  c.has_id = had_id_;
  c.data = std::move(previous_.data);
}

}  // namespace streamll

#include "streamll/context.hpp"

#include <fmt/format.h>

#include "common/random.hpp"
#include "context/execution_ref.hpp"

namespace streamll {

namespace {

// References to the shared execution id taken at once when the thread's
// supply runs out: one atomic addition per this many emits.
constexpr int64_t kPrepaidRefs = 64;

struct ThreadContext {
  std::string execution_id;
  bool has_id = false;
  // execution_id shared with queued events; made at the first emit in a
  // scope, dropped whenever execution_id changes (set_id). This context
  // holds one reference of its own and `prepaid` more not yet handed out.
  detail::SharedExecutionId* shared_id = nullptr;
  int64_t prepaid = 0;
  Json data = Json::object();

  ThreadContext() = default;
  ThreadContext(const ThreadContext&) = delete;
  ThreadContext& operator=(const ThreadContext&) = delete;
  ~ThreadContext() { drop_shared(); }

  void set_id(std::string id, bool has) {
    execution_id = std::move(id);
    has_id = has;
    drop_shared();
  }
  void drop_shared() {
    if (shared_id != nullptr) shared_id->drop(1 + prepaid);
    shared_id = nullptr;
    prepaid = 0;
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

ExecutionRef current_execution_ref() {
  ThreadContext& c = current();
  if (!c.has_id) return {};
  if (c.shared_id == nullptr) c.shared_id = SharedExecutionId::make(c.execution_id);
  if (c.prepaid == 0) {
    c.shared_id->add(kPrepaidRefs);
    c.prepaid = kPrepaidRefs;
  }
  --c.prepaid;
  return ExecutionRef(c.shared_id);
}

}  // namespace detail

}  // namespace streamll

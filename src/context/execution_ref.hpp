// The emit pipeline's view of this thread's execution id: shared, not
// copied, so that an emit inside a scope allocates nothing for it.
#pragma once

#include <memory>
#include <string>

namespace streamll::detail {

// The execution id of the innermost active scope on this thread, as one
// string that every event emitted in the scope shares (made at the first
// call in a scope); nullptr when no scope is active. Thread-local: the
// pointer may be handed to another thread, which only reads the string.
// Cost: a thread-local read and a reference count increment.
std::shared_ptr<const std::string> current_execution_ref();

}  // namespace streamll::detail

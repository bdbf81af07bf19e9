// The emit pipeline's view of this thread's execution id: shared, not
// copied, so that an emit inside a scope allocates nothing for it, and
// counted in bulk, so that it does not bounce a reference count between the
// emitting thread's core and the writer's at every event.
#pragma once

#include <atomic>
#include <cassert>
#include <cstdint>
#include <string>
#include <utility>

namespace streamll::detail {

// One execution id string and the number of references to it: the scope's
// own, those it has handed out in advance (below), and those queued events
// hold. Deleted with the last reference. Thread-safe: the string never
// changes; the count is atomic, on a cache line of its own.
class SharedExecutionId {
 public:
  // A new string with one reference, the caller's.
  static SharedExecutionId* make(std::string id) { return new SharedExecutionId(std::move(id)); }

  const std::string& id() const { return id_; }
  // Adds n references: one atomic operation.
  void add(int64_t n) { refs_.fetch_add(n, std::memory_order_relaxed); }
  // Drops n references, deleting this if they were the last: one atomic
  // operation.
  void drop(int64_t n) {
    const int64_t held = refs_.fetch_sub(n, std::memory_order_acq_rel);
    assert(held >= n);  // never more than were taken
    if (held == n) delete this;
  }

 private:
  explicit SharedExecutionId(std::string id) : id_(std::move(id)) {}

  alignas(64) std::atomic<int64_t> refs_{1};
  alignas(64) const std::string id_;
};

class ExecutionRef;
ExecutionRef current_execution_ref();

// One reference to a SharedExecutionId (or none), moved, never copied;
// dropped when destroyed unless released first.
class ExecutionRef {
 public:
  ExecutionRef() = default;
  ExecutionRef(ExecutionRef&& other) noexcept : shared_(std::exchange(other.shared_, nullptr)) {}
  ExecutionRef& operator=(ExecutionRef&& other) noexcept {
    if (this != &other) {
      reset();
      shared_ = std::exchange(other.shared_, nullptr);
    }
    return *this;
  }
  ~ExecutionRef() { reset(); }

  explicit operator bool() const { return shared_ != nullptr; }
  const std::string& operator*() const { return shared_->id(); }

  // Hands the reference to the caller, who drops it (SharedExecutionId::drop).
  SharedExecutionId* release() { return std::exchange(shared_, nullptr); }

 private:
  // Takes over one reference the caller holds (current_execution_ref()).
  explicit ExecutionRef(SharedExecutionId* shared) : shared_(shared) {}
  friend ExecutionRef current_execution_ref();

  void reset() {
    if (shared_ != nullptr) shared_->drop(1);
    shared_ = nullptr;
  }

  SharedExecutionId* shared_ = nullptr;
};

// A reference to the execution id of the innermost active scope on this
// thread, one string that every event emitted in the scope shares (made at
// the first call in a scope); empty when no scope is active. The pointer
// may be handed to another thread, which only reads the string. Cost: a
// thread-local read; the scope takes references 64 at a time, so one call
// in 64 adds to the shared count.
ExecutionRef current_execution_ref();

// Drops references in runs: events of one scope arrive together, so a
// writer that drops the references of a batch's events through this makes
// one atomic operation per run of the same id instead of one per event.
// Not thread-safe: one per thread.
class ExecutionRefDrops {
 public:
  ExecutionRefDrops() = default;
  ExecutionRefDrops(const ExecutionRefDrops&) = delete;
  ExecutionRefDrops& operator=(const ExecutionRefDrops&) = delete;
  ~ExecutionRefDrops() { flush(); }

  // Takes over the reference `ref` holds (nothing when it is empty).
  void add(ExecutionRef&& ref) {
    SharedExecutionId* shared = ref.release();
    if (shared == nullptr) return;
    if (shared != run_) {
      flush();
      run_ = shared;
    }
    ++count_;
  }
  // Drops every reference taken so far.
  void flush() {
    if (run_ != nullptr) run_->drop(count_);
    run_ = nullptr;
    count_ = 0;
  }

 private:
  SharedExecutionId* run_ = nullptr;
  int64_t count_ = 0;
};

}  // namespace streamll::detail

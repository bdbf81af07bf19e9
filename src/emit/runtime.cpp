// The process-wide runtime: publishing the pipeline to emitting threads, and
// retiring it safely. An emitting thread announces the pipeline it is about
// to use in its own hazard slot (a thread-local atomic) and re-checks that it
// is still published; shutdown() unpublishes it, then waits until no slot
// names it before stopping it. The emit path thus takes no lock and shares
// no written cache line with other emitting threads for this purpose.
#include "emit/runtime_access.hpp"

#include <pthread.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <vector>

#include "emit/pipeline.hpp"

namespace streamll {

namespace detail {

namespace {

std::atomic<Pipeline*> g_pipeline{nullptr};
std::mutex g_lifecycle;  // serializes init/shutdown

struct HazardRegistry {
  std::mutex mu;
  std::vector<std::atomic<Pipeline*>*> slots;
};

HazardRegistry& registry() {
  static auto* r = new HazardRegistry();  // outlives every thread's slot
  return *r;
}

struct HazardSlot {
  std::atomic<Pipeline*> pipeline{nullptr};
  HazardSlot() {
    std::lock_guard<std::mutex> lock(registry().mu);
    registry().slots.push_back(&pipeline);
  }
  ~HazardSlot() {
    std::lock_guard<std::mutex> lock(registry().mu);
    auto& slots = registry().slots;
    slots.erase(std::remove(slots.begin(), slots.end(), &pipeline), slots.end());
  }
};

std::atomic<Pipeline*>& my_slot() {
  thread_local HazardSlot slot;
  return slot.pipeline;
}

bool in_use(Pipeline* p) {
  std::lock_guard<std::mutex> lock(registry().mu);
  for (auto* slot : registry().slots) {
    if (slot->load(std::memory_order_seq_cst) == p) return true;
  }
  return false;
}

void shutdown_at_exit() { streamll::shutdown(); }

// fork() copies this thread only: the writer, sink and replicator threads of
// the parent's pipeline do not exist in the child, so stopping it there would
// wait forever, and writing its store would be a second writer. The child
// forgets it (the memory is the parent's copy, not freed).
std::atomic<bool> g_forked{false};
std::atomic<bool> g_fork_noted{false};

void abandon_in_child() {
  if (g_pipeline.exchange(nullptr) != nullptr) g_forked = true;
}

}  // namespace

PipelineRef::PipelineRef() {
  Pipeline* p = g_pipeline.load(std::memory_order_acquire);
  if (p == nullptr) return;
  auto& slot = my_slot();
  slot.store(p, std::memory_order_seq_cst);
  if (g_pipeline.load(std::memory_order_seq_cst) != p) {
    slot.store(nullptr, std::memory_order_release);
    return;
  }
  pipeline_ = p;
}

PipelineRef::~PipelineRef() {
  if (pipeline_ != nullptr) my_slot().store(nullptr, std::memory_order_release);
}

bool runtime_active() { return g_pipeline.load(std::memory_order_relaxed) != nullptr; }

void note_if_forked() {
  if (g_forked.load(std::memory_order_relaxed) && !g_fork_noted.exchange(true)) {
    std::fputs("streamll: this process was forked from one that writes a store; its events are not recorded"
               " until it starts a runtime of its own (init) on another store\n",
               stderr);
  }
}

}  // namespace detail

Status init(RuntimeOptions options) {
  std::lock_guard<std::mutex> lock(detail::g_lifecycle);
  if (detail::g_pipeline.load() != nullptr) {
    return Status::invalid_argument("a streamll runtime is already running in this process (call shutdown() first)");
  }
  std::unique_ptr<detail::Pipeline> pipeline;
  if (Status s = detail::Pipeline::start(std::move(options), &pipeline); !s.ok()) return s;
  static const bool registered =
      std::atexit(detail::shutdown_at_exit) == 0 && pthread_atfork(nullptr, nullptr, detail::abandon_in_child) == 0;
  (void)registered;
  detail::g_pipeline.store(pipeline.release(), std::memory_order_seq_cst);
  return Status::ok_status();
}

void shutdown() {
  std::lock_guard<std::mutex> lock(detail::g_lifecycle);
  detail::Pipeline* p = detail::g_pipeline.exchange(nullptr, std::memory_order_seq_cst);
  if (p == nullptr) return;
  // Threads inside emit finish their push (the writer keeps draining, so a
  // blocked push completes); no new ones can start.
  while (detail::in_use(p)) std::this_thread::sleep_for(std::chrono::microseconds(100));
  delete p;  // drains, flushes, records stats, closes the store
}

bool flush(std::chrono::milliseconds timeout) {
  detail::PipelineRef ref;
  return ref ? ref->flush(timeout) : false;
}

RuntimeStats stats() {
  detail::PipelineRef ref;
  return ref ? ref->stats() : RuntimeStats{};
}

Status set_sinks(std::vector<std::shared_ptr<Sink>> sinks) {
  detail::PipelineRef ref;
  if (!ref) return Status::not_supported("set_sinks: no streamll runtime is running");
  ref->set_sinks(sinks);
  return Status::ok_status();
}

bool forked_from_runtime() { return detail::g_forked.load(); }

Runtime::Runtime(RuntimeOptions options) : status_(init(std::move(options))) {}

Runtime::~Runtime() {
  if (status_.ok()) shutdown();
}

}  // namespace streamll

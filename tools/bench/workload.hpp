// The synthetic events the benchmarks feed to streamll and to its baselines:
// the traffic of concurrent RAG pipelines (retrieval, then an LLM call), with
// about 300 bytes of JSON data per event. Deterministic for a given seed, so
// that runs compare.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include <CLI/CLI.hpp>

#include "streamll/event.hpp"

namespace streamll::bench {

struct Workload {
  size_t events = 1'000'000;
  size_t events_per_execution = 50;
  // Executions in flight at once; their events interleave, as those of
  // concurrent pipeline runs do.
  size_t concurrent_executions = 16;
  uint64_t seed = 42;
};

// Adds --events and --seed (the options every benchmark's workload takes).
void add_workload_options(CLI::App& cmd, Workload* workload);

// The events, in arrival order with increasing timestamps (microsecond
// precision, as upstream writes them). Event ids are drawn from the seeded
// generator, not generate_event_id(), so that they too repeat across runs.
std::vector<Event> make_events(const Workload& workload);

}  // namespace streamll::bench

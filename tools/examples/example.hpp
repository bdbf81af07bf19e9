// What the four examples share: starting the runtime on the store named by
// the first argument (else $STREAMLL_DB, else ./streamll.db) with a terminal
// sink on stderr, and simulated work that takes time. Only the public API.
#pragma once

#include <chrono>
#include <cstdio>
#include <memory>
#include <random>
#include <thread>

#include "streamll/streamll.hpp"

namespace example {

// Runs body() inside a runtime; prints each execution id body returns.
template <typename Body>
int run(int argc, char** argv, Body body) {
  streamll::RuntimeOptions options;
  if (argc > 1) options.store_path = argv[1];
  options.sinks = {std::make_shared<streamll::TerminalSink>(stderr)};
  streamll::Runtime runtime(options);
  if (!runtime.status().ok()) {
    std::fprintf(stderr, "%s: %s\n", argv[0], runtime.status().message().c_str());
    return 1;
  }
  body();
  streamll::flush();
  return 0;
}

// Simulated work: sleeps `ms` milliseconds, give or take 20%.
inline void work(int ms) {
  thread_local std::mt19937 rng{std::random_device{}()};
  std::uniform_int_distribution<int> jitter(-ms / 5, ms / 5);
  std::this_thread::sleep_for(std::chrono::milliseconds(ms + jitter(rng)));
}

}  // namespace example

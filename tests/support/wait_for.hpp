// Waiting for something another thread or process does, in tests: polls
// `condition` every 10 ms for up to 30 s (generous on a loaded machine; a
// test asserts the outcome, never how long it took).
#pragma once

#include <chrono>
#include <thread>

namespace streamll::testing {

template <typename F>
bool wait_for(F&& condition) {
  for (int i = 0; i < 3000 && !condition(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  return condition();
}

}  // namespace streamll::testing

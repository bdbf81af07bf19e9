// A program that emits through the runtime and then exits normally, without
// calling shutdown(): the runtime must flush everything at exit.
//   emitter STORE N      emits N events "child.step" with data {"i": i}
#include <cstdlib>
#include <iostream>
#include <string>

#include "streamll/streamll.hpp"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: emitter STORE N\n";
    return 2;
  }
  streamll::RuntimeOptions options;
  options.store_path = argv[1];
  options.flush_interval = std::chrono::seconds(60);  // only the exit flush can store the tail
  if (auto s = streamll::init(options); !s.ok()) {
    std::cerr << s.to_string() << "\n";
    return 1;
  }
  streamll::ExecutionScope run("child-run");
  const long n = std::strtol(argv[2], nullptr, 10);
  for (long i = 0; i < n; ++i) streamll::emit("child.step", {{"i", i}}, "Child");
  return 0;
}

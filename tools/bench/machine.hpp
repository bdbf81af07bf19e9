// What a benchmark report was measured on, so that numbers from different
// machines are not compared as if they were alike.
#pragma once

#include <string>
#include <vector>

namespace streamll::bench {

struct MachineFact {
  std::string name;   // e.g. "cpu"
  std::string value;  // e.g. "Intel(R) Xeon(R) Processor"; "unknown" where it cannot be read
};

// The CPUs this process may run on (as nproc counts them), the CPU model and
// memory (from /proc), the kernel, and the RocksDB and SQLite libraries
// linked in.
std::vector<MachineFact> describe_machine();

}  // namespace streamll::bench

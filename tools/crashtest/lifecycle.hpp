// Kill -9 trials of the store's whole-or-nothing operations: import, prune
// and backup.
#pragma once

#include <cstdint>
#include <string>

namespace streamll::crashtest {

struct LifecycleOptions {
  std::string mode;  // "import", "prune" or "backup"
  int trials = 50;
  uint64_t seed = 0;
  std::string dir;  // working directory (made by the caller)
};

// Builds a store of interleaved executions, then per trial runs the
// operation in a child on a fresh copy, kills it at a random moment within
// the time one whole run takes, and checks that the store reopens, verifies,
// and holds each execution whole or not at all (prune), or that DEST is
// absent or a whole verified copy (backup), or that an empty store holds
// none or all of a 20,000-line JSONL file (import). Prints one line per trial;
// returns the number of failed trials.
int run_lifecycle(const std::string& self, const LifecycleOptions& options);

// The children: open STORE and prune by keep-executions, or back it up to DEST.
int run_prune_child(const std::string& store, uint64_t keep_executions);
int run_backup_child(const std::string& store, const std::string& dest);
int run_import_child(const std::string& store, const std::string& file);

}  // namespace streamll::crashtest

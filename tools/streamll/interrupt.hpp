// Ctrl-C and SIGTERM for the long-running commands (tail -f, replay,
// replicate --follow, ingest --follow): the signal sets a flag the command's
// loop watches, so it stops cleanly, flushing what it printed or shipped.
#pragma once

#include <atomic>

namespace streamll::cli {

// Installs handlers for SIGINT and SIGTERM that set interrupted(). Call it
// before the first output, so that a signal never finds the default action.
void catch_interrupts();

// Set once SIGINT or SIGTERM arrived (lock-free: safe to set from a handler).
const std::atomic<bool>& interrupted();

}  // namespace streamll::cli

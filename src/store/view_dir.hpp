// The private directory of a read-only view (a RocksDB secondary instance
// keeps its info log there): TMPDIR/streamll-views-UID/PID-XXXXXX, removed
// when the view closes. A process killed first (SIGKILL, SIGPIPE, SIGHUP)
// cannot remove its own, so each new view removes those of processes that
// are gone.
#pragma once

#include <string>

#include "streamll/status.hpp"

namespace streamll::detail {

// Makes a new view directory into *out, after sweeping the dead ones. Cost:
// a listing of the per-user directory and a kill(pid, 0) per entry.
Status make_view_dir(std::string* out);

}  // namespace streamll::detail

// The state of a circuit breaker (sinks, the replicator, the consumer), as
// the counters report it: closed (calls go through), open (calls are refused
// until the recovery timeout passes), half-open (one probe call decides).
#pragma once

namespace streamll {

enum class CircuitState { kClosed, kOpen, kHalfOpen };

}  // namespace streamll

// An event id in two steps, for a caller that takes ids on one thread and
// spells them on another: the runtime takes each emitted event's id on the
// emitting thread (its place in the process's order) and spells the 12
// characters on the writer thread, off the caller's path. generate_event_id()
// is the two steps at once.
#pragma once

#include <cstdint>
#include <string>

namespace streamll::detail {

// The 72 bits of an id (generate_event_id() in event.hpp says what they are).
struct EventIdBits {
  uint64_t value = 0;   // milliseconds since 2020 (42 bits), then the counter (22 bits)
  uint8_t random = 0;   // the last 8 bits
};

// The next id of this process for the wall-clock time `unix_ms`
// (milliseconds since the Unix epoch): what generate_event_id() takes,
// without its clock read. Cost: a few ns (a per-thread counter, a random
// draw, a CAS every 16 ids). Thread-safe, lock-free.
EventIdBits take_event_id(int64_t unix_ms);

// The wall-clock time in milliseconds since the Unix epoch, from the coarse
// clock (a tick of 1-4 ms). Cost: ~5 ns, no system call.
int64_t coarse_unix_ms();

// The 12 characters of `bits`. Cost: ~5 ns, no allocation (short string).
std::string spell_event_id(EventIdBits bits);

}  // namespace streamll::detail

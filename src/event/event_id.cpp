#include "event/event_id.hpp"

#include <atomic>
#include <ctime>

#include "common/random.hpp"
#include "streamll/event.hpp"

namespace streamll {

namespace {

// upstream's nanoid alphabet, in byte order, so that ids sort as their bits do.
constexpr char kAlphabet[] = "-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz";
constexpr int kCounterBits = 22;
constexpr uint64_t kEpochMs = 1577836800000;  // 2020-01-01T00:00:00Z

// Milliseconds since 2020 of `unix_ms` (0 before then).
uint64_t since_epoch(int64_t unix_ms) {
  const auto ms = static_cast<uint64_t>(unix_ms);
  return unix_ms > 0 && ms > kEpochMs ? ms - kEpochMs : 0;
}

}  // namespace

namespace detail {

EventIdBits take_event_id(int64_t unix_ms) {
  // The top 64 of the id's 72 bits: 42 bits of milliseconds, then a 22-bit
  // counter that starts each millisecond at a random value below 2^21 and
  // counts up (spilling into the milliseconds when a millisecond holds more
  // than 2^21 ids). One process-wide value, of which each thread takes runs
  // of kRun by CAS: no two ids of a process are equal, a thread's ids
  // increase, and threads emitting at once meet on that cache line once per
  // kRun ids rather than at every id. A run from an earlier millisecond is
  // left, so ids of different threads still sort by their millisecond.
  constexpr uint64_t kRun = 16;
  static std::atomic<uint64_t> last{0};
  thread_local uint64_t next = 0;
  thread_local uint64_t end = 0;
  const uint64_t floor = since_epoch(unix_ms) << kCounterBits;
  if (next == end || next < floor) {
    uint64_t previous = last.load(std::memory_order_relaxed);
    uint64_t start = 0;
    do {
      start = previous + 1 > floor ? previous + 1 : floor | (random_u64() & ((uint64_t{1} << 21) - 1));
    } while (!last.compare_exchange_weak(previous, start + kRun - 1, std::memory_order_relaxed));
    next = start;
    end = start + kRun;
  }
  return {next++, static_cast<uint8_t>(random_u64())};
}

std::string spell_event_id(EventIdBits bits) {
  const unsigned __int128 all = (static_cast<unsigned __int128>(bits.value) << 8) | bits.random;
  std::string id(12, '\0');
  for (int i = 0; i < 12; ++i) id[i] = kAlphabet[static_cast<uint64_t>(all >> (66 - 6 * i)) & 63];
  return id;
}

int64_t coarse_unix_ms() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME_COARSE, &ts);
  return int64_t{ts.tv_sec} * 1000 + ts.tv_nsec / 1'000'000;
}

}  // namespace detail

std::string generate_event_id() { return detail::spell_event_id(detail::take_event_id(detail::coarse_unix_ms())); }

}  // namespace streamll

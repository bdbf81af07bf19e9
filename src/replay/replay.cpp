#include "streamll/replay.hpp"

#include <algorithm>
#include <chrono>
#include <thread>

#include <fmt/format.h>

namespace streamll {

namespace {

using Clock = std::chrono::steady_clock;

// The longest a wait sleeps before it looks at the cancel flag again: well
// within the 50 ms in which a cancelled replay should return.
constexpr auto kWaitSlice = std::chrono::milliseconds(20);

// Waits are capped here (about 30 years), so that a tiny speed or a huge
// progress interval cannot overflow the clock's arithmetic; no replay waits
// that long anyway.
constexpr double kMaxWaitNs = 1e18;

// How long after the first event `later` is due at `speed`.
Clock::duration scaled_offset(int64_t first, int64_t later, double speed) {
  // In unsigned arithmetic the difference cannot overflow (stored order
  // makes later >= first; anything else is due at once).
  const double recorded_ns =
      later > first ? static_cast<double>(static_cast<uint64_t>(later) - static_cast<uint64_t>(first)) : 0.0;
  return std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double, std::nano>(std::min(recorded_ns / speed, kMaxWaitNs)));
}

Status check_options(const ReplayOptions& options, const ReplayHandler& handler) {
  // Written as !(x > 0) so that NaN fails too.
  if (!(options.speed > 0)) {
    return Status::invalid_argument(fmt::format("replay speed must be > 0, not {}", options.speed));
  }
  if (!(options.progress_interval_s >= 0)) {
    return Status::invalid_argument(
        fmt::format("replay progress interval must be >= 0 s, not {}", options.progress_interval_s));
  }
  if (!handler) return Status::invalid_argument("replay needs a handler");
  return Status::ok_status();
}

// The state of one replay: when each event is due, whether it was
// cancelled, and when to report progress.
class Replayer {
 public:
  Replayer(const ReplayOptions& options, uint64_t total, ReplayStats* stats)
      : options_(options), stats_(*stats), start_(Clock::now()), next_progress_(start_) {
    stats_.total = total;
  }

  bool cancelled() {
    if (options_.cancel != nullptr && options_.cancel->load(std::memory_order_relaxed)) stats_.cancelled = true;
    return stats_.cancelled;
  }

  // Waits until the event at `timestamp` is due; false when cancelled first.
  bool wait_for(int64_t timestamp) {
    if (options_.as_fast_as_possible) return !cancelled();
    if (!started_) {
      first_ts_ = timestamp;
      started_ = true;
    }
    const Clock::time_point due = start_ + scaled_offset(first_ts_, timestamp, options_.speed);
    for (;;) {
      if (cancelled()) return false;
      const Clock::time_point now = Clock::now();
      if (now >= due) return true;
      report_progress(now, false);
      std::this_thread::sleep_until(std::min(due, now + kWaitSlice));
    }
  }

  void delivered() {
    ++stats_.delivered;
    if (options_.progress) report_progress(Clock::now(), false);
  }

  void finish() {
    const Clock::time_point now = Clock::now();
    report_progress(now, true);
    stats_.elapsed_s = seconds_since_start(now);
  }

 private:
  double seconds_since_start(Clock::time_point now) const {
    return std::chrono::duration<double>(now - start_).count();
  }

  void report_progress(Clock::time_point now, bool final) {
    if (!options_.progress || (!final && now < next_progress_)) return;
    stats_.elapsed_s = seconds_since_start(now);
    options_.progress(stats_);
    next_progress_ = now + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double, std::nano>(
                               std::min(options_.progress_interval_s * 1e9, kMaxWaitNs)));
  }

  const ReplayOptions& options_;
  ReplayStats& stats_;
  const Clock::time_point start_;
  Clock::time_point next_progress_;
  bool started_ = false;
  int64_t first_ts_ = 0;  // of the first event replayed: its due time is the start
};

}  // namespace

Status replay(const Store& store, std::string_view execution_id, const ReplayOptions& options,
              const ReplayHandler& handler, ReplayStats* stats) {
  ReplayStats local;
  ReplayStats& out = stats != nullptr ? *stats : local;
  out = ReplayStats{};
  if (Status s = check_options(options, handler); !s.ok()) return s;

  // The iterator first: it reads a snapshot, and the summary read after it
  // then counts at least every event the snapshot holds, so `total` stays an
  // upper bound while a writer appends.
  auto it = store.scan_execution(execution_id, options.range);
  ExecutionSummary summary;
  if (Status s = store.get_execution(execution_id, &summary); !s.ok()) {
    if (s.is_not_found()) {
      return Status::not_found(fmt::format("no execution '{}' in {}", execution_id, store.path()));
    }
    return s;
  }

  Replayer replayer(options, summary.event_count, &out);
  Status result;
  for (; it->valid(); it->next()) {
    const EventView& event = it->view();
    if (!replayer.wait_for(event.timestamp)) break;
    if (Status s = handler(event); !s.ok()) {
      result = s.with_context(fmt::format("replay of execution '{}', event {} (event_id '{}')", execution_id,
                                          out.delivered + 1, event.event_id));
      break;
    }
    replayer.delivered();
  }
  if (result.ok() && !out.cancelled) {
    result = it->status().with_context(fmt::format("replay of execution '{}'", execution_id));
  }
  replayer.finish();
  return result;
}

ReplayHandler sink_handler(Sink& sink) {
  return [&sink](const EventView& view) { return sink.write({&view, 1}); };
}

}  // namespace streamll

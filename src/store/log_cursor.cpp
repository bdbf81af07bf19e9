#include "streamll/log_cursor.hpp"

#include <algorithm>
#include <thread>

#include "store/iterators.hpp"

namespace streamll {

// The store's arrival iterator, moving the cursor's position to each event
// it steps past.
class LogCursor::Iterator final : public EventIterator {
 public:
  Iterator(std::unique_ptr<EventIterator> inner, uint64_t* position) : inner_(std::move(inner)), position_(position) {}
  bool valid() const override { return inner_->valid(); }
  void next() override {
    *position_ = inner_->view().seq;
    inner_->next();
  }
  const EventView& view() const override { return inner_->view(); }
  Status status() const override { return inner_->status(); }

 private:
  std::unique_ptr<EventIterator> inner_;
  uint64_t* position_;
};

LogCursor::LogCursor(Store& store, uint64_t after_seq) : store_(store), position_(after_seq) {}

std::unique_ptr<EventIterator> LogCursor::next(std::chrono::milliseconds wait, std::chrono::milliseconds poll,
                                               const std::atomic<bool>* stop) {
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  const bool forever = wait >= std::chrono::duration_cast<std::chrono::milliseconds>(Clock::time_point::max() - start);
  const auto deadline = forever ? Clock::time_point::max() : start + wait;
  const auto stopped = [stop] { return stop != nullptr && stop->load(std::memory_order_relaxed); };
  for (;;) {
    if (Status s = store_.refresh(); !s.ok()) return detail::make_empty_iterator(std::move(s));
    horizon_ = store_.last_seq();
    if (horizon_ > position_) break;
    // Sleep until the next look, in slices that notice `stop` within 20 ms.
    const auto look = Clock::now();
    if (look >= deadline) break;
    const auto next_look = deadline - look > poll ? look + poll : deadline;
    for (auto now = look; now < next_look; now = Clock::now()) {
      if (stopped()) return detail::make_empty_iterator(Status());
      std::this_thread::sleep_for(std::min<Clock::duration>(next_look - now, std::chrono::milliseconds(20)));
    }
    if (stopped()) return detail::make_empty_iterator(Status());
  }
  return std::make_unique<Iterator>(store_.scan_arrival(position_), &position_);
}

}  // namespace streamll

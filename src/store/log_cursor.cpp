#include "streamll/log_cursor.hpp"

#include "common/retry.hpp"
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
  static const std::atomic<bool> never{false};
  const std::atomic<bool>& stopped = stop != nullptr ? *stop : never;
  for (;;) {
    if (Status s = store_.refresh(); !s.ok()) return detail::make_empty_iterator(std::move(s));
    horizon_ = store_.last_seq();
    if (horizon_ > position_) break;
    const auto look = Clock::now();
    if (look >= deadline) break;
    // Until the next look, noticing `stop` within 20 ms.
    const Clock::duration until_next = deadline - look > poll ? Clock::duration(poll) : deadline - look;
    if (!detail::sleep_unless_stopped(stopped, until_next)) return detail::make_empty_iterator(Status());
  }
  return std::make_unique<Iterator>(store_.scan_arrival(position_), &position_);
}

}  // namespace streamll

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

std::unique_ptr<EventIterator> LogCursor::next(std::chrono::milliseconds wait, std::chrono::milliseconds poll) {
  const auto deadline = std::chrono::steady_clock::now() + wait;
  for (;;) {
    if (Status s = store_.refresh(); !s.ok()) return detail::make_empty_iterator(std::move(s));
    if (store_.last_seq() > position_) break;
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) break;
    std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(poll, deadline - now));
  }
  return std::make_unique<Iterator>(store_.scan_arrival(position_), &position_);
}

}  // namespace streamll

// EventBatch: events encoded once and held as EventViews over text the batch
// owns. The emit pipeline encodes each event once into one of these; the
// store appends its views and every sink reads the same views, so no event
// is serialized twice on its way out (sink.hpp).
//
// Thread-safety: a plain value. Build it on one thread; once built, share it
// read-only (the pipeline hands one batch to several sink threads).
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "streamll/event.hpp"

namespace streamll {

class EventBatch {
 public:
  EventBatch() = default;
  EventBatch(EventBatch&&) noexcept = default;
  EventBatch& operator=(EventBatch&&) noexcept = default;
  EventBatch(const EventBatch&) = delete;
  EventBatch& operator=(const EventBatch&) = delete;

  // Encodes `event` (data and tags to JSON text, with the JSON writer the
  // store uses) and appends its view; seq stays 0. Costs one serialization
  // of data plus a copy of the envelope strings, amortized allocation-free
  // once the batch has been cleared and reused.
  void add(const Event& event);

  // Appends a copy of `view` (all its text copied in), for a view whose
  // storage goes away, such as an iterator's (store.hpp).
  void add(const EventView& view);

  // The views, in the order added. Each stays valid until clear() or the
  // batch is destroyed; moving the batch keeps them valid.
  std::span<const EventView> views() const { return views_; }
  size_t size() const { return views_.size(); }
  bool empty() const { return views_.empty(); }

  // Forgets every event and keeps the memory for reuse.
  void clear();

 private:
  std::string_view keep(std::string_view text);

  // Text lives in chunks that never move, so views stay valid as the batch
  // grows and when it is moved.
  struct Chunk {
    std::unique_ptr<char[]> bytes;
    size_t capacity = 0;
    size_t used = 0;
  };
  std::vector<Chunk> chunks_;
  size_t current_ = 0;  // the chunk being filled
  std::vector<EventView> views_;
  std::string scratch_data_, scratch_tags_;
};

}  // namespace streamll

#include "streamll/event_batch.hpp"

#include <algorithm>
#include <cstring>

#include "event/event_text.hpp"

namespace streamll {

namespace {

constexpr size_t kChunkBytes = 64 * 1024;

}  // namespace

std::string_view EventBatch::keep(std::string_view text) {
  if (text.empty()) return {};
  while (current_ < chunks_.size() && chunks_[current_].capacity - chunks_[current_].used < text.size()) {
    ++current_;
  }
  if (current_ == chunks_.size()) {
    Chunk chunk;
    chunk.capacity = std::max(kChunkBytes, text.size());
    // Not zeroed: every byte is written before a view reads it.
    chunk.bytes = std::make_unique_for_overwrite<char[]>(chunk.capacity);
    chunks_.push_back(std::move(chunk));
  }
  Chunk& chunk = chunks_[current_];
  char* at = chunk.bytes.get() + chunk.used;
  std::memcpy(at, text.data(), text.size());
  chunk.used += text.size();
  return {at, text.size()};
}

void EventBatch::add(const EventView& view) {
  EventView v = view;
  v.event_id = keep(view.event_id);
  v.execution_id = keep(view.execution_id);
  v.module_name = keep(view.module_name);
  v.method_name = keep(view.method_name);
  v.event_type = keep(view.event_type);
  if (view.operation) v.operation = keep(*view.operation);
  v.data_json = keep(view.data_json);
  v.tags_json = keep(view.tags_json);
  views_.push_back(v);
}

void EventBatch::add(const Event& event) {
  add(detail::view_with_text(event, &scratch_data_, &scratch_tags_));
}

void EventBatch::clear() {
  for (Chunk& chunk : chunks_) chunk.used = 0;
  current_ = 0;
  views_.clear();
}

}  // namespace streamll

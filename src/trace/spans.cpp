#include "streamll/spans.hpp"

#include "streamll/timestamp.hpp"

namespace streamll {

namespace {

// `type` is `bare`, or ends in "." + `bare`: *stem is what comes before.
bool has_stage(std::string_view type, std::string_view bare, std::string_view* stem) {
  if (type == bare) {
    *stem = {};
    return true;
  }
  if (type.size() > bare.size() + 1 && type.ends_with(bare) && type[type.size() - bare.size() - 1] == '.') {
    *stem = type.substr(0, type.size() - bare.size() - 1);
    return true;
  }
  return false;
}

std::string span_key(const EventView& event, std::string_view stem) {
  std::string key(event.module_name);
  key += '\0';
  if (event.operation) key += *event.operation;
  key += '\0';
  key += stem;
  return key;
}

}  // namespace

bool opens_span(std::string_view event_type, std::string_view* stem) {
  return has_stage(event_type, "start", stem);
}

bool closes_span(std::string_view event_type, std::string_view* stem) {
  return has_stage(event_type, "end", stem) || has_stage(event_type, "error", stem) ||
         has_stage(event_type, "complete", stem);
}

uint64_t Span::duration_ns() const { return span_ns(start_ts, end_ts); }

const char* Span::status() const { return !end_event ? "open" : error ? "error" : "ok"; }

void SpanBuilder::add(const EventView& event) {
  last_ts_ = event.timestamp;
  std::string_view stem;
  if (opens_span(event.event_type, &stem)) {
    Span span;
    span.name = !stem.empty()                                   ? std::string(stem)
                : event.operation && !event.operation->empty() ? std::string(*event.operation)
                                                               : std::string(event.module_name);
    span.module_name = event.module_name;
    span.start_event = span_of_event_.size();
    span.start_ts = span.end_ts = event.timestamp;
    span.depth = last_depth_ = static_cast<int>(open_.size());
    if (!open_.empty()) span.parent = open_.back().span;
    span_of_event_.push_back(static_cast<int64_t>(spans_.size()));
    open_.push_back({spans_.size(), span_key(event, stem)});
    spans_.push_back(std::move(span));
    return;
  }
  if (closes_span(event.event_type, &stem)) {
    const std::string key = span_key(event, stem);
    for (size_t i = open_.size(); i-- > 0;) {
      if (open_[i].key != key) continue;
      Span& span = spans_[open_[i].span];
      span.end_event = span_of_event_.size();
      span.end_ts = event.timestamp;
      span.error = is_error_type(event.event_type);
      last_depth_ = span.depth;
      span_of_event_.push_back(static_cast<int64_t>(open_[i].span));
      // Spans opened inside this one and never closed end with it.
      for (size_t j = i + 1; j < open_.size(); ++j) spans_[open_[j].span].end_ts = event.timestamp;
      open_.erase(open_.begin() + static_cast<std::ptrdiff_t>(i), open_.end());
      return;
    }
  }
  last_depth_ = static_cast<int>(open_.size());
  span_of_event_.push_back(open_.empty() ? -1 : static_cast<int64_t>(open_.back().span));
}

const std::vector<Span>& SpanBuilder::spans() {
  for (const Open& open : open_) spans_[open.span].end_ts = last_ts_;
  return spans_;
}

}  // namespace streamll

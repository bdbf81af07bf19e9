// Spans: the nested time intervals of one execution, rebuilt from its events,
// for a waterfall view (streamll serve) or a comparison of two runs
// (streamll diff).
//
// A span opens at an event whose type is "start" or ends in ".start", and
// closes at the first later event of the same key whose type is "end",
// "error", or ends in ".end", ".complete" or ".error". The key is the
// event's module_name, its operation, and its type without that suffix, so
// trace("retrieve", "RAG") pairs its start with its end, and
// "rag.retrieval.start" pairs with "rag.retrieval.complete". A span opened
// while others are open is a child of the innermost one (trace scopes nest
// that way on one thread; spans of concurrent threads of one execution nest
// by time, which is an approximation). A span with no closing event ends
// with the span it is inside when that one closes (an error that unwinds
// several scopes), else at the execution's last event; it has no end_event. Every event belongs to the
// innermost span open when it happened (or to none).
//
// Thread-safety: a SpanBuilder is a plain value: one thread at a time.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "streamll/event.hpp"

namespace streamll {

struct Span {
  std::string name;         // the type's stem ("rag.retrieval"), else the operation, else the module
  std::string module_name;
  size_t start_event = 0;   // index (in the order events were added) of the opening event
  std::optional<size_t> end_event;  // of the closing event; none while open
  int64_t start_ts = 0;
  int64_t end_ts = 0;       // the closing event's timestamp, else its parent's end or the last event's
  bool error = false;       // closed by an error event
  int depth = 0;            // 0 at top level
  std::optional<size_t> parent;  // index into spans()
  uint64_t duration_ns() const;
  // "ok", "error" (closed by an error event) or "open" (never closed).
  const char* status() const;
};

class SpanBuilder {
 public:
  // Adds the next event, in time order. Cost: a look at the open spans
  // (their number is the nesting depth, a handful) and a copy of the key
  // strings when the event opens a span.
  void add(const EventView& event);

  // The spans in the order they opened; spans still open end at the last
  // event added.
  const std::vector<Span>& spans();
  // For each event added, the span it belongs to (an index into spans()), or
  // -1 for an event outside every span. A span's opening and closing events
  // belong to it.
  const std::vector<int64_t>& span_of_event() const { return span_of_event_; }
  // The depth at which to show the event added last, as an indented list
  // does (streamll show): its span's depth for the span's opening and
  // closing events, one more for the events inside it, 0 outside every span.
  int depth_of_last() const { return last_depth_; }

 private:
  struct Open {
    size_t span;
    std::string key;
  };
  std::vector<Span> spans_;
  std::vector<Open> open_;
  std::vector<int64_t> span_of_event_;
  int64_t last_ts_ = 0;
  int last_depth_ = 0;
};

// True for types that open a span ("start", "*.start") and close one
// ("end", "error", "*.end", "*.complete", "*.error"); *stem is the type
// without that suffix ("" for the bare forms).
bool opens_span(std::string_view event_type, std::string_view* stem);
bool closes_span(std::string_view event_type, std::string_view* stem);

}  // namespace streamll

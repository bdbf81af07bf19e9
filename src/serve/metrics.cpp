#include "serve/metrics.hpp"

#include <charconv>
#include <cmath>

#include <fmt/format.h>

#include "streamll/log_cursor.hpp"
#include "streamll/spans.hpp"

namespace streamll::serve {

namespace {

constexpr double kBounds[] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300};
constexpr size_t kBuckets = std::size(kBounds);

// A label value escaped by the format's rules: backslash, quote, newline.
std::string label(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string number(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (std::isnan(v)) return "NaN";
  return fmt::format("{}", v);
}

}  // namespace

Metrics::Metrics(Store& store) : store_(store), thread_([this] { follow(); }) {}

Metrics::~Metrics() {
  stop_ = true;
  thread_.join();
}

bool Metrics::duration_of(std::string_view data, double* seconds) {
  // Top level only: count the nesting depth while looking for the key.
  static constexpr std::string_view kKey = "\"duration_seconds\"";
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < data.size(); ++i) {
    const char c = data[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '{' || c == '[') {
      ++depth;
    } else if (c == '}' || c == ']') {
      --depth;
    } else if (c == '"') {
      if (depth == 1 && data.substr(i, kKey.size()) == kKey) {
        size_t j = i + kKey.size();
        while (j < data.size() && (data[j] == ' ' || data[j] == ':')) ++j;
        double v = 0;
        const auto [end, ec] = std::from_chars(data.data() + j, data.data() + data.size(), v);
        if (ec != std::errc() || !std::isfinite(v)) return false;
        *seconds = v;
        return true;
      }
      in_string = true;
    }
  }
  return false;
}

void Metrics::observe(const EventView& event) {
  std::string_view stem;
  if (!closes_span(event.event_type, &stem) || event.event_type.ends_with("complete")) return;
  double seconds = 0;
  if (!duration_of(event.data_json, &seconds)) return;
  std::lock_guard lock(mutex_);
  Histogram& h = durations_[{std::string(event.module_name), std::string(event.operation.value_or(""))}];
  if (h.buckets.empty()) h.buckets.assign(kBuckets, 0);
  for (size_t i = 0; i < kBuckets; ++i) {
    if (seconds <= kBounds[i]) {
      ++h.buckets[i];
      break;
    }
  }
  ++h.count;
  h.sum += seconds;
}

void Metrics::follow() {
  LogCursor cursor(store_, 0);
  while (!stop_) {
    auto it = cursor.next(std::chrono::milliseconds::max(), std::chrono::milliseconds(20), &stop_);
    for (; it->valid() && !stop_; it->next()) observe(it->view());
    if (Status s = it->status(); !s.ok()) {
      std::lock_guard lock(mutex_);
      follow_status_ = s;
    }
  }
}

Status Metrics::render(std::string* out) const {
  std::vector<EventTypeSummary> types;
  if (Status s = store_.list_event_types(&types); !s.ok()) return s;
  StoreStats stats;
  if (Status s = store_.stats(&stats); !s.ok()) return s;
  std::string text;
  text += "# HELP streamll_events_total Events stored, by event_type.\n# TYPE streamll_events_total counter\n";
  uint64_t errors = 0;
  for (const auto& t : types) {
    text += fmt::format("streamll_events_total{{event_type=\"{}\"}} {}\n", label(t.event_type), t.count);
    if (is_error_type(t.event_type)) errors += t.count;
  }
  text += "# HELP streamll_errors_total Events of error types (error, *.error).\n# TYPE streamll_errors_total counter\n";
  text += fmt::format("streamll_errors_total {}\n", errors);
  text += "# HELP streamll_duration_seconds duration_seconds of end and error events, by module and operation.\n"
          "# TYPE streamll_duration_seconds histogram\n";
  {
    std::lock_guard lock(mutex_);
    if (!follow_status_.ok()) return follow_status_;
    for (const auto& [key, h] : durations_) {
      const std::string labels = fmt::format("module_name=\"{}\",operation=\"{}\"", label(key.first), label(key.second));
      uint64_t cumulative = 0;
      for (size_t i = 0; i < kBuckets; ++i) {
        cumulative += h.buckets[i];
        text += fmt::format("streamll_duration_seconds_bucket{{{},le=\"{}\"}} {}\n", labels, number(kBounds[i]), cumulative);
      }
      text += fmt::format("streamll_duration_seconds_bucket{{{},le=\"+Inf\"}} {}\n", labels, h.count);
      text += fmt::format("streamll_duration_seconds_sum{{{}}} {}\n", labels, number(h.sum));
      text += fmt::format("streamll_duration_seconds_count{{{}}} {}\n", labels, h.count);
    }
  }
  auto gauge = [&](std::string_view name, std::string_view help, uint64_t value) {
    text += fmt::format("# HELP streamll_store_{0} {1}\n# TYPE streamll_store_{0} gauge\nstreamll_store_{0} {2}\n", name,
                        help, value);
  };
  gauge("events", "Events in the store.", stats.events);
  gauge("executions", "Executions in the store.", stats.executions);
  gauge("event_types", "Distinct event types.", stats.event_types);
  gauge("disk_bytes", "Bytes of every file in the store directory.", stats.disk_bytes);
  gauge("wal_bytes", "Bytes of write-ahead log.", stats.wal_bytes);
  gauge("last_seq", "The highest arrival seq given.", stats.last_seq);
  *out = std::move(text);
  return Status::ok_status();
}

}  // namespace streamll::serve

// /metrics: the store in Prometheus' text format (version 0.0.4).
//
//   streamll_events_total{event_type}        counter, from the type registry
//   streamll_errors_total                    counter: events of error types
//   streamll_duration_seconds{module_name,operation}
//                                            histogram of duration_seconds in
//                                            end and error events
//   streamll_store_events, _executions, _event_types, _disk_bytes,
//   _wal_bytes, _last_seq                    gauges, from Store::stats()
//
// The histogram is kept by a background thread that reads every stored event
// once at start and then follows the log (LogCursor), so a scrape costs the
// number of series, never a scan. It counts the events stored when it read
// them: a prune does not take observations back (counters only grow).
#pragma once

#include <atomic>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "streamll/status.hpp"
#include "streamll/store.hpp"

namespace streamll::serve {

class Metrics {
 public:
  explicit Metrics(Store& store);
  ~Metrics();  // stops the thread
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  // The exposition text. Fails when the store cannot be read. Thread-safe.
  Status render(std::string* out) const;

  // The duration_seconds value in an event's data JSON, if it has a number
  // there at the top level. Exposed for tests.
  static bool duration_of(std::string_view data_json, double* seconds);

 private:
  struct Histogram {
    std::vector<uint64_t> buckets;  // cumulative counts are made at render
    uint64_t count = 0;
    double sum = 0;
  };
  void follow();
  void observe(const EventView& event);

  Store& store_;
  mutable std::mutex mutex_;
  std::map<std::pair<std::string, std::string>, Histogram> durations_;
  Status follow_status_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace streamll::serve

// Loading the workload's events into a store and into a SQLite table, the
// same way in every benchmark that puts them side by side.
#pragma once

#include <cstddef>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "sqlite.hpp"
#include "streamll/event.hpp"
#include "streamll/status.hpp"

namespace streamll::bench {

using Events = std::span<const Event>;

// Calls `fn` on consecutive slices of at most `batch` events.
Status for_each_batch(Events events, size_t batch, const std::function<Status(Events)>& fn);

// One tenth of a write_store() run: its pace, and where the CPU went. On a
// machine with few cores, RocksDB's flushes and compactions share them with
// the appending thread, and the pace falls with the CPU they take.
struct Tenth {
  double events_per_s = 0;
  double writer_cpu_us = 0;      // CPU time of the thread calling Store::append, per event
  double background_cpu_us = 0;  // CPU time of the process's other threads (RocksDB's), per event
};

// Creates a store in `dir`, appends the events with one Store::append per
// `batch` events, and closes it.
// `tenths` (optional) gets each tenth of the run, in order, to show whether
// the pace holds as the store grows. The process must run nothing else
// meanwhile: its CPU time less the caller's counts as RocksDB's.
Status write_store(Events events, size_t batch, const std::string& dir, std::vector<Tenth>* tenths = nullptr);

// Opens the store in `dir` read-write and closes it again. Closing after
// write_store() leaves most events in RocksDB's write-ahead log,
// uncompressed; reopening replays the log into compressed tables and drops
// it. What is left is the store at rest, as a later reader finds it.
Status settle_store(const std::string& dir);

// Inserts the events with `insert_sql`, one transaction per `batch` events.
// The statement names the event fields it stores as parameters, among
//   :event_id :execution_id :timestamp (RFC 3339 text, as the store's SQL
//   tables show it) :ts_ns :event_type :module_name :method_name :operation
//   :data :tags (JSON text, the same text a store keeps) :seq
// where :seq is the event's position in `events` plus one: the seq a store
// gives events appended in that order without duplicates.
Status insert_events(Sqlite& db, const char* insert_sql, Events events, size_t batch);

}  // namespace streamll::bench

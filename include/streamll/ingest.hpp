// Ingesting a Redis stream into a store: what `streamll ingest` runs.
//
//   std::unique_ptr<Store> store;
//   Store::open("./streamll.db", {}, &store);
//   IngestReport report;
//   Status s = ingest_stream({.redis = {.url = "redis://127.0.0.1:6379"}, .group = "archive"}, store.get(), {}, &report);
//
// A RedisStreamConsumer (consumer.hpp) reads the stream in batches of
// ConsumerOptions::batch_size entries; each batch is one Store::append of
// the entries' decoded text (no Json tree), so an integer beyond 64 bits
// keeps its digits. With a group, a batch is acknowledged only once its
// append succeeded: a crash, a kill or a failed append leaves it pending for
// the next run, which stores it then. Events stored already (same
// event_id) are skipped, so ingesting again is harmless.
//
// Thread-safety: one call per store at a time; on_problem is called on one
// thread at a time (the consumer's, or the caller's).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string_view>

#include "streamll/consumer.hpp"
#include "streamll/status.hpp"
#include "streamll/store.hpp"

namespace streamll {

struct IngestOptions {
  // false: store the entries the stream holds at the call (with a group:
  // this consumer's pending ones, then the claimable, then the new ones) and
  // return. true: keep storing new entries as they arrive, retrying with
  // backoff while Redis is unreachable, until *stop becomes true.
  bool follow = false;
  // Ends a follow (checked every 50 ms; the batch in progress is stored and
  // acknowledged first). Required with follow; a drain ends by itself.
  const std::atomic<bool>* stop = nullptr;
  // Told of each problem that does not end the ingest: a malformed entry
  // skipped (InvalidArgument, naming the stream, the entry and the field),
  // Redis failing while a follow retries (IOError). May be empty.
  std::function<void(const Status&)> on_problem;
  // Told of each event skipped because its event_id is stored already with
  // other content (the stored event is kept). May be empty.
  std::function<void(std::string_view event_id)> on_conflict;
};

struct IngestReport {
  uint64_t appended = 0;    // events stored
  uint64_t duplicates = 0;  // events skipped: their event_id was stored already
  uint64_t conflicts = 0;   // of the duplicates, those with other content
  ConsumerStats consumer;   // what was read: received, malformed, ...
};

// Ingests the stream of `options` into `store` (open for writing). Returns
// the first failure that ends it: a failed append (what was appended before
// stays stored; with a group, the failed batch stays pending), a refused
// password (PermissionDenied), or, without follow, the first Redis failure.
// *report counts what was done either way. Cost: one round trip and one
// append per batch.
Status ingest_stream(const ConsumerOptions& options, Store* store, const IngestOptions& ingest, IngestReport* report);

}  // namespace streamll

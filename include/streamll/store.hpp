// Store: the append-only event log on disk (RocksDB), its indexes, and the
// per-execution summaries. The on-disk format is specified in doc/format.md.
//
// One process opens a store read-write; any number of processes may open it
// as a read-only live view (a RocksDB secondary instance) at the same time,
// seeing what the writer had made durable when they opened or last called
// refresh().
//
// Thread-safety: a Store may be used from many threads at once. append() calls
// are serialized internally. Iterators are not thread-safe; use each from one
// thread at a time, and destroy them before the Store.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "streamll/event.hpp"
#include "streamll/prune.hpp"
#include "streamll/status.hpp"
#include "streamll/store_stats.hpp"
#include "streamll/timestamp.hpp"
#include "streamll/type_pattern.hpp"

namespace streamll {

struct StoreOptions {
  enum class Mode {
    kReadWrite,     // the single writer; fails with Busy if another process has it
    kReadOnlyLive,  // a live view beside a writer; never writes, sees refresh()es
  };
  Mode mode = Mode::kReadWrite;

  // Read-write only: create the store when `path` does not exist.
  bool create_if_missing = true;

  // Read-write only: fsync the write-ahead log at every append(). false (the
  // default) survives a crash of the process (the OS holds the data) but may
  // lose the last appends on a machine crash or power loss; true survives both
  // and costs one fsync per append (milliseconds on most disks).
  bool sync = false;

  // Read-write only: prune in the background (a thread of the store's own,
  // waking every retention.interval) by these limits. Executions holding
  // events not yet replicated are kept. Unset limits (the default): none.
  RetentionOptions retention;
};

// A half-open interval of timestamps [since, until), in ns since the epoch.
struct TimeRange {
  int64_t since = std::numeric_limits<int64_t>::min();
  int64_t until = std::numeric_limits<int64_t>::max();
  // until == INT64_MAX means no upper bound: the largest timestamp
  // (2262-04-11T23:47:16.854775807Z) is in range, as it is in the default one.
  bool unbounded_above() const { return until == std::numeric_limits<int64_t>::max(); }
  bool contains(int64_t ts) const { return ts >= since && (ts < until || unbounded_above()); }
  bool empty() const { return since > until || (since == until && !unbounded_above()); }
};

// The direction of a scan: oldest first (by the scan's own order: time,
// arrival) or its exact reverse, newest first. Reading newest first costs
// what reading oldest first does.
enum class ScanOrder { kOldestFirst, kNewestFirst };

// Which events a scan() returns. Every part is optional; an empty filter
// matches every event.
struct EventFilter {
  std::string execution_id;  // only this execution ("" = all)
  TimeRange range;           // only timestamps in range
  // Only these event types: "rag.*" or "rag." a prefix, else one exact type
  // (type_pattern.hpp); every type by default.
  TypePattern event_type;

  bool matches(const EventView& event) const;
};

// How append() may take a batch.
struct AppendOptions {
  // Empty, or one flag per event: fresh_ids[i] != 0 vouches that
  // events[i].event_id was made by generate_event_id() for that event in
  // this process and never given to another, so it cannot be stored
  // already and append() skips its dedupe lookup (what the runtime does for
  // the ids it fills in). Every other id is looked up.
  std::span<const uint8_t> fresh_ids;

  // True vouches that every event passed validate_event() already (the
  // runtime's writer checks each event once, before redaction), so append()
  // does not check them again. An event that would fail it (a NUL in an
  // id, above all) would then be stored and corrupt the store's keys:
  // leave this false unless the events were just checked.
  bool validated = false;

  // Empty, or one view per event: encoded[i] is events[i] already encoded
  // (an EventBatch built from the same events, event_batch.hpp), so append()
  // writes that text instead of serializing data and tags again. The runtime
  // encodes each event once and hands the same views to its sinks. Only
  // data_json and tags_json are taken from a view; ids, timestamp and the
  // other fields come from the event.
  std::span<const EventView> encoded;
};

// What append() did.
struct AppendResult {
  size_t appended = 0;    // new events written
  size_t duplicates = 0;  // events skipped because their event_id was stored already
  uint64_t first_seq = 0; // seq of the first new event (0 if none)
  uint64_t last_seq = 0;  // seq of the last new event (0 if none)
  // Batch positions of the duplicates whose content differs from the event
  // kept under their event_id (the stored one, or the first in the batch):
  // the same id reused for another event. Skipped like every duplicate, so
  // that what was stored stays; said here so a caller can say so.
  std::vector<size_t> conflicts;
  std::vector<std::string> conflict_ids;  // the event_id of each, in the same order
};

// What the store knows of one execution without reading its events.
struct ExecutionSummary {
  std::string execution_id;
  int64_t first_ts = 0;      // earliest event timestamp
  int64_t last_ts = 0;       // latest event timestamp
  uint64_t event_count = 0;
  uint64_t error_count = 0;  // events for which is_error_type() holds
  // last_ts - first_ts, exact over the whole range of timestamps (1677 to
  // 2262 is more nanoseconds than an int64_t holds).
  uint64_t duration_ns() const { return span_ns(first_ts, last_ts); }
};

// One entry of the event-type registry the store derives from its events:
// what each event_type carries and when it was seen, so that the types in a
// store document themselves (the upstream best practice of keeping a
// registry of event types, without keeping it by hand).
struct EventTypeSummary {
  // At most this many data keys are kept per type (the smallest in byte
  // order), so that data with generated keys cannot grow the registry
  // without bound.
  static constexpr size_t kMaxDataKeys = 64;

  std::string event_type;
  int64_t first_ts = 0;   // earliest timestamp of an event of this type
  int64_t last_ts = 0;    // latest timestamp
  uint64_t count = 0;     // events of this type
  // The top-level keys of `data` seen in events of this type, sorted, unique.
  std::vector<std::string> data_keys;
  bool data_keys_truncated = false;  // more than kMaxDataKeys were seen
};

// What Store::verify() checked and found.
struct VerifyReport {
  static constexpr size_t kMaxProblems = 100;

  uint64_t events = 0;       // event records read
  uint64_t executions = 0;   // execution summaries compared with a recount
  uint64_t event_types = 0;  // event-type entries compared with a recount
  uint64_t problem_count = 0;
  std::vector<std::string> problems;  // the first kMaxProblems, each naming the key or id
};

// What Store::repair() found and did.
struct RepairReport {
  bool repaired = false;               // false: the store was sound and is unchanged
  std::string damage;                  // the check's finding that called for the repair
  std::vector<std::string> set_aside;  // files moved to PATH/lost/ (names relative to it)
  bool log_damage = false;             // the damage was a write-ahead log record (MANIFEST kept)
  uint64_t kept_after_damage = 0;      // appends written after that record, kept
  // A MANIFEST rebuilt: the log records (appends, prunes) written again over
  // the tables, each whole, and the entries of a family the tables could
  // not name, left out (the logs are in PATH/lost/).
  uint64_t log_records_replayed = 0;
  uint64_t log_entries_unplaced = 0;
  // A sound store of an older format version (3 or 4), converted to this
  // build's by a writer's open (0: none was needed).
  int converted_from = 0;
};

// What Store::backup() made.
struct BackupReport {
  uint64_t events = 0;          // events in the copy (verified)
  uint64_t bytes = 0;           // size of the copy's directory
  bool removed_partial = false; // a copy cut short earlier (DEST.partial) was removed first
};

// A cursor over stored events, in the order its scan defines. Usage:
//   for (auto it = store->scan_execution(id); it->valid(); it->next()) use(it->view());
//   if (!it->status().ok()) ...
// After the last event, or at the first error, valid() is false; status()
// then tells which (ok at a clean end). view() is valid until next() or the
// iterator's destruction. Each next() decodes one record (no JSON parsing).
class EventIterator {
 public:
  virtual ~EventIterator() = default;
  virtual bool valid() const = 0;
  virtual void next() = 0;
  virtual const EventView& view() const = 0;
  virtual Status status() const = 0;
};

class Store {
 public:
  // Opens the store at `path` (a directory). Errors: Busy when another
  // process has it open for writing; NotFound when a read-only view or
  // create_if_missing=false finds nothing; InvalidArgument when `path` is
  // something other than a streamll store or has a format version this build
  // does not read; Corruption when its table files are not the ones its
  // MANIFEST lists, whole (a table cut short or missing, a MANIFEST cut short
  // that forgot tables holding events): no open answers from part of the
  // store, and a writer's open then changes nothing (see repair()).
  // Cost: RocksDB recovery (replays the write-ahead log), twice for an
  // existing store: first read-only, to check its table files (one stat()
  // each) before anything is written.
  static Status open(const std::string& path, const StoreOptions& options,
                     std::unique_ptr<Store>* out);

  // Rebuilds the MANIFEST of the closed store at `path` from its table files
  // (RocksDB's RepairDB), when the check every open makes fails: a MANIFEST
  // cut short, replaced or unreadable. The write-ahead logs are read first
  // and moved to `path`/lost/; every log record (an append, a prune) is then
  // written again, whole, with the entries the tables do not hold (those
  // above their family's largest seqno), and the summaries are counted again
  // from the events (report->log_records_replayed). A store whose
  // write-ahead log has a damaged record (which every open refuses, naming
  // the log and the byte) is opened up to the damage instead, and the whole
  // records after it are written again: every append but the ones the damage
  // cut is kept, whole (report->kept_after_damage counts those after it), and
  // a copy of each log as it was goes to `path`/lost/ (the appends the damage
  // cut are only there).
  // A sound store is left unchanged (report->repaired false), except that
  // one of an older format version is converted to this build's
  // (report->converted_from). Nothing is deleted: the old
  // MANIFEST, the logs (once their records are in new tables) and any table
  // that cannot be read move to `path`/lost/, listed in report->set_aside.
  // A table that cannot be read (cut short, overwritten) stops the repair
  // before anything changes (Corruption naming it), unless
  // `set_aside_unreadable`: its events are then not in the repaired store,
  // and verify() says which index entries point nowhere. Errors: Busy while
  // a writer has the store; NotFound when there is none. Cost: reads every
  // table file once.
  static Status repair(const std::string& path, RepairReport* report = nullptr,
                       bool set_aside_unreadable = false);

  // Closes the store (waits for nothing in flight: append() is synchronous).
  // A writer first flushes its memtables to table files, so that the next
  // open does not replay the write-ahead log: a close after a large import
  // costs that flush (LZ4-compressing up to a few memtables of 64 MiB, a
  // fraction of a second).
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // Appends `events` atomically: all of them or none, with their indexes and
  // summaries, in one RocksDB write batch. Each new event gets the next seq in
  // the order given. Events whose event_id is stored already, or repeated
  // within the batch, are skipped and counted as duplicates (those whose
  // content differs are listed in AppendResult::conflicts). Fails with
  // InvalidArgument naming the batch position and field of an incomplete
  // event (empty event_id, execution_id or event_type, a NUL byte in an id),
  // writing nothing. Fails with IOError when the disk is full or the store
  // directory was removed meanwhile (see recover()). Cost: one batched point
  // lookup per event whose id options.fresh_ids does not vouch for (event_id
  // dedupe, bloom-filtered) and a read of each duplicate's stored event (to
  // compare; in seq order, one block read per block), serializing each event
  // once, one RocksDB entry per block of up to 512 events, an entry per
  // execution and per 268 ms time bucket of the batch, one by_id entry per
  // event,
  // an fstat() of the directory, and the write; O(batch) memory.
  Status append(std::span<const Event> events, AppendResult* result = nullptr,
                const AppendOptions& options = {});

  // The same for events whose data and tags are JSON text already (views;
  // their seq is ignored): what an import of JSONL appends, with no JSON tree
  // made of any event. The text is stored as given, so it should be compact
  // (EventBatch and the JSON decoder write it so). Unless options.validated,
  // each view is checked as validate_event() checks an Event, which parses
  // its data and tags once; options.encoded must be empty. Cost otherwise as
  // above, plus a pass over each data text for the type registry's keys.
  Status append(std::span<const EventView> events, AppendResult* result = nullptr,
                const AppendOptions& options = {});

  // Supplies append_all()'s events part by part: sets *part to the next
  // events (valid until the next call), or to an empty span after the last;
  // an error stops append_all(), which then stores none of them.
  using EventSource = std::function<Status(std::span<const EventView>* part)>;

  // Appends every event `source` yields, as append() of views would in one
  // call (seqs in order, duplicates skipped and counted, conflicts listed by
  // position in the whole), but in memory bounded by a part rather than by
  // the whole: each part is encoded into table files built beside the store
  // (in `path`/staging), and RocksDB takes them all in one atomic step at
  // the end. So the store has every event or, after an error or a kill at
  // any moment, none; views see them all at once. What an import of a large
  // file uses. Events are validated as append() validates them unless
  // options.validated; options.encoded and fresh_ids must be empty. Other
  // appends to this store wait until it returns, so `source` must not
  // append to it. Cost: as append() per part, plus writing the tables
  // (compressed, about the size the store would reach after its own flush)
  // and a flush of memtables whose keys they overlap; memory is one part
  // plus, per event, its event_id and about 20 bytes until the end.
  Status append_all(const EventSource& source, AppendResult* result = nullptr, const AppendOptions& options = {});

  // After append() failed (disk full, an I/O error, a read-only file
  // system), tries to make the store writable again: RocksDB keeps refusing
  // writes after such an error until it is resumed. Returns ok when writes
  // work again, else the reason (e.g. still no space). Appends that failed
  // stored nothing; what was stored before is intact. Fails for good when the
  // store directory was removed. Cost: flushes the memtables (milliseconds to
  // seconds); call it with backoff, not per event. A no-op for a view.
  Status recover();

  // The event with `event_id`, or NotFound.
  Status get(std::string_view event_id, Event* out) const;

  // The event with `event_id` as an iterator of zero or one events (no JSON
  // parsing, unlike get()). Cost: a point lookup and a block read.
  std::unique_ptr<EventIterator> lookup(std::string_view event_id) const;

  // The events of one execution in time order (ties in arrival order), or
  // its reverse with kNewestFirst, restricted to `range`. Cost: one seek in
  // the execution index, then per event a step in it and a read of its block
  // (shared with the events around it, so mostly a step too).
  std::unique_ptr<EventIterator> scan_execution(std::string_view execution_id, TimeRange range = {},
                                                ScanOrder order = ScanOrder::kOldestFirst) const;

  // All events with a timestamp in `range`, in time order (ties in arrival
  // order), or its reverse with kNewestFirst (the latest N events: stop
  // after N). Cost: as scan_execution(), through the time index.
  std::unique_ptr<EventIterator> scan_time(TimeRange range, ScanOrder order = ScanOrder::kOldestFirst) const;

  // As scan_time(), but each view holds only the timestamp and seq (every
  // other field empty): read from the time index alone, without reading the
  // events. For counting and time histograms. Cost: one seek, then
  // sequential reads of 16-byte keys.
  std::unique_ptr<EventIterator> scan_time_keys(TimeRange range, ScanOrder order = ScanOrder::kOldestFirst) const;

  // All events with seq > after_seq, in arrival order: the cursor for tailing
  // and replication. Cost: one seek, then sequential reads of the blocks
  // (no index).
  std::unique_ptr<EventIterator> scan_arrival(uint64_t after_seq = 0) const;

  // The event with seq `last_seq` and every one before it, newest arrival
  // first (UINT64_MAX: from the newest). Cost: as scan_arrival().
  std::unique_ptr<EventIterator> scan_arrival_reverse(uint64_t last_seq = UINT64_MAX) const;

  // Every event, in arrival (seq) order: scan_arrival(0), the cheapest full
  // scan.
  std::unique_ptr<EventIterator> scan_all() const;

  // Following the log as it grows (tail -f, replication, a live page): a
  // LogCursor over this store from just after `after_seq` (log_cursor.hpp).

  // The events that match `filter`, in time order (ties in arrival order).
  // Uses the execution's key range when execution_id is set, else the time
  // index; the type prefix is checked per event.
  std::unique_ptr<EventIterator> scan(const EventFilter& filter) const;

  // Summaries of every execution, ordered by execution_id.
  // Cost: one sequential read of the summaries (O(executions), not O(events)).
  Status list_executions(std::vector<ExecutionSummary>* out) const;

  // The summary of one execution, or NotFound.
  Status get_execution(std::string_view execution_id, ExecutionSummary* out) const;

  // The event-type registry, ordered by event_type. Kept current by every
  // append (one merge per type in the batch). Cost: one sequential read of
  // the registry (O(types), not O(events)).
  Status list_event_types(std::vector<EventTypeSummary>* out) const;

  // The integrity check (like SQLite's PRAGMA integrity_check): RocksDB's
  // checksums of every table file; every block's frame is sound, blocks do
  // not overlap, and each record decodes and holds the seq of its place;
  // the execution, time and event_id indexes hold exactly one entry per
  // event, pointing at it (so no event is stored twice); every execution summary and event-type entry agrees with a
  // recount of the events (event types are skipped while a prune is between
  // removing events and counting the registry again); no seq is beyond last_seq(). Returns ok, or
  // Corruption with the number of problems and the first; *report (optional)
  // gets the counts and the problems. Appends running meanwhile are not seen
  // (one snapshot). Cost: reads the whole store once; memory ~100 bytes per
  // event.
  Status verify(VerifyReport* report = nullptr) const;

  // Removes whole executions, oldest first, by the limits of `options`
  // (prune.hpp): their events, index entries and summaries, atomically per
  // execution (one write batch each, or several executions per batch); then
  // rebuilds the registry entries of the event types they held, and
  // compacts, so that the space is given back. Events keep their seqs;
  // later events never take a pruned seq. Executions holding events a
  // replicator has not shipped (mark_replicated()) are kept unless
  // options.force. Appends go on meanwhile: each batch holds the append
  // lock for its own executions only. Views see the result when they
  // refresh(). Errors: NotSupported for a view. Cost: reads the execution
  // summaries, then per pruned execution its index keys and the blocks
  // holding its events; reads every remaining event once to rebuild the
  // type registry (its data only for the types touched); one compaction of
  // every family (rewrites the store once).
  Status prune(const PruneOptions& options, PruneReport* report = nullptr);

  // Makes a consistent copy of the store at `dest` (a path that must not
  // exist), while appends go on: what the store held at one moment (a
  // snapshot; a view: as of its last refresh()), with its identity, so that
  // replication from a restored copy knows where it is. The copy is written
  // to `dest`.partial, verified (Store::verify), then renamed to `dest`:
  // `dest` is whole or absent, even when the process is killed. A
  // `dest`.partial left by a killed backup is removed first. Cost: one
  // read of every family, written as table files (no write-ahead log), and
  // a verify() of the copy.
  Status backup(const std::string& dest, BackupReport* report = nullptr) const;

  // Events, executions, oldest and newest timestamp, bytes per column
  // family, write-ahead log size, and what replication has shipped. Cost:
  // one read of the execution summaries and a directory listing.
  Status stats(StoreStats* out) const;

  // Records that every event with seq <= `seq` has been shipped to
  // `target`, in a file beside the store (`path`/replication/), which
  // prune() reads to keep what is not shipped yet. Works for views (the
  // replicator usually is one). Cost: writing and renaming one small file.
  Status mark_replicated(std::string_view target, uint64_t seq) const;

  // Every target's mark, ordered by target.
  Status replication_marks(std::vector<ReplicationMark>* out) const;

  // The highest seq stored (0 for an empty store), as of open or refresh().
  uint64_t last_seq() const;

  // Read-only views: catch up with what the writer has made durable since the
  // view was opened or last refreshed. Iterators made afterwards see it;
  // those made before go on reading what they started on, even in other
  // threads. A no-op returning ok for the writer. Cost: one read() of an
  // inotify watch on the store directory, made at open, when nothing
  // changed (a microsecond; where inotify is unavailable, as if the log
  // grew each time); when the log grew,
  // replaying its new records (milliseconds); when the writer flushed or
  // compacted since (its MANIFEST changed), opening the view again (tens of
  // milliseconds: it reads the MANIFEST and opens every table file), since
  // catching up across a flush would read what it flushed twice. Thread-safe;
  // one refresh() runs at a time.
  Status refresh();

  bool read_only() const;
  const std::string& path() const;
  // A unique id of this store, fixed when it was created (RocksDB's DB
  // identity), the same in every view of it: what replication checkpoints
  // are keyed by.
  const std::string& id() const;

  class Impl;

 private:
  explicit Store(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace streamll

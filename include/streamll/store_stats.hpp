// What Store::stats() tells about a store: its contents, its size on disk,
// and how far replication has shipped it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace streamll {

// How far one replication target has shipped the store: the replicator
// records it beside the store (Store::mark_replicated()) as it ships.
struct ReplicationMark {
  std::string target;     // "redis://host:port stream KEY" (no password)
  uint64_t seq = 0;       // every event with seq <= this has been shipped
  int64_t updated_ns = 0; // when the replicator last recorded it (ns since the epoch)
};

struct StoreStats {
  struct Family {
    std::string name;
    uint64_t table_bytes = 0;     // live table files
    uint64_t memtable_bytes = 0;  // not yet flushed
    uint64_t entries = 0;         // RocksDB's estimate of its keys
  };

  uint64_t events = 0;       // stored events (from the execution summaries)
  uint64_t executions = 0;
  uint64_t event_types = 0;
  uint64_t last_seq = 0;     // highest seq ever given (pruned events keep theirs)
  int64_t oldest_ts = 0;     // earliest event timestamp (0 when empty)
  int64_t newest_ts = 0;     // latest
  int format_version = 0;
  std::vector<Family> families;
  uint64_t wal_bytes = 0;    // write-ahead log files
  uint64_t disk_bytes = 0;   // every file in the store directory, logs and MANIFEST included
  std::vector<ReplicationMark> replication;
};

}  // namespace streamll

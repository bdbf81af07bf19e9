// The write-ahead log checked record by record, to say where it is damaged:
// RocksDB refuses a log with a damaged record ("Corruption: checksum
// mismatch") without naming the file or the place.
#pragma once

#include <string>
#include <vector>

namespace streamll::detail {

// "the write-ahead log 000012.log (366186 bytes) has a damaged record at
// byte 98304 (its checksum does not match)" for the first damaged record in
// the logs (*.log) of the store at `path`, oldest log first, or "" when every
// record reads whole. A record cut off at the end of a log is what a crash
// leaves, not damage. Reads RocksDB's log format (32 KiB blocks of
// records, each with a masked CRC32C of its type and payload). Cost: reads
// every log once (after an open failed, and in repair).
std::string describe_wal_damage(const std::string& path);

// Which whole records scan_wal() keeps.
enum class WalKeep {
  kNothing,      // none: it stops at the first damage
  kAfterDamage,  // those after the first damage
  kEverything,   // all of them
};

// The logs read, for repair.
struct WalScan {
  std::string damage;                // as describe_wal_damage() says it, or ""
  std::vector<std::string> records;  // the whole records kept (each a write
                                     // batch), oldest first
};

// Reads every log of the store at `path`, oldest first; past a damaged
// record it goes on at the log's next 32 KiB block (as RocksDB's reader
// does), dropping the records the damage cut, and keeps the whole records
// `keep` says. Cost: reads every log once, and holds the records kept in
// memory.
WalScan scan_wal(const std::string& path, WalKeep keep);

}  // namespace streamll::detail

// The on-disk layout of a store: column family names and key encodings.
// doc/format.md is the prose specification; keep the two in step.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "streamll/store.hpp"

namespace streamll::layout {

// Bumped on any incompatible change; stored under kFormatVersionKey.
// A new store has version 3. Store::prune() writes version 4 when it first
// changes a store: its blocks may then hold pruned records, which a build
// that reads only version 3 does not know. This build reads both.
inline constexpr int kFormatVersion = 3;
inline constexpr int kPrunedFormatVersion = 4;
inline constexpr std::string_view kFormatVersionKey = "streamll.format_version";
// The store's identity (replication checkpoints are kept per identity), a
// copy of RocksDB's DB identity made by the first writer that opens it: a
// key in a table survives what RocksDB's IDENTITY file does not (deletion,
// repair, which gives the database a new one).
inline constexpr std::string_view kIdentityKey = "streamll.identity";

// A file in the store directory that a writer makes before RocksDB opens
// and removes after its clean close: while it is there, tables the MANIFEST
// does not list may be a running writer's or a crashed one's (see
// store/table_files.hpp); when it is not, any such table is damage.
inline constexpr const char* kWriterMarker = "WRITER";

// Present (empty value) while a prune has removed events but not yet
// counted the type registry again; a writer's open then recounts it.
inline constexpr std::string_view kTypesStaleKey = "streamll.types_stale";
// Present while a repair has written log records again over tables that may
// hold some of their summary merges already, and the summaries are not yet
// counted again; a writer's open then recounts them (both).
inline constexpr std::string_view kExecutionsStaleKey = "streamll.executions_stale";

// The directory beside the tables where replicators record how far they
// have shipped the store (Store::mark_replicated), one file per target.
inline constexpr const char* kReplicationDir = "replication";

// Column families, in the order Store::Impl keeps their handles.
enum Family : int { kMeta = 0, kBlocks, kByExecution, kByTime, kById, kExecutions, kTypes, kFamilyCount };
inline constexpr const char* kFamilyNames[kFamilyCount] = {
    "default", "blocks", "by_execution", "by_time", "by_id", "executions", "types"};

// A timestamp as 8 bytes that sort like the signed value (sign bit flipped).
void put_ts(int64_t ts, std::string* out);
int64_t get_ts(std::string_view eight_bytes);

// blocks: seq(8) of the block's first event -> a block (store/block.hpp).
std::string seq_key(uint64_t seq);

// by_execution: execution_id 0x00 ts(8) seq(8) -> empty. execution_id holds
// no NUL byte, so one execution's keys are contiguous and in time order.
std::string execution_key(std::string_view execution_id, int64_t ts, uint64_t seq);
// The same key appended to *out (append() reuses one buffer per batch).
void append_execution_key(std::string_view execution_id, int64_t ts, uint64_t seq, std::string* out);
// The by_time key of the event a by_execution key names: its last 16 bytes.
inline std::string_view time_key_of(std::string_view execution_key) {
  return execution_key.substr(execution_key.size() - 16);
}
// The first by_execution key of execution_id at or after ts.
std::string execution_lower_bound(std::string_view execution_id, int64_t ts);
// The first by_execution key after those of execution_id in `range`: at
// range.until, or past the largest timestamp when the range has no upper bound.
std::string execution_upper_bound(std::string_view execution_id, const TimeRange& range);

// by_time: ts(8) seq(8) -> empty.
std::string time_key(int64_t ts, uint64_t seq);
// The first by_time key after those in `range` (see execution_upper_bound).
std::string time_upper_bound(const TimeRange& range);

// The seq that ends a by_execution or by_time key (its last 8 bytes), or 0
// when the key is too short to hold one.
uint64_t seq_of_index_key(std::string_view key);

}  // namespace streamll::layout

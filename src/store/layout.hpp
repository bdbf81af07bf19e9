// The on-disk layout of a store: column family names and key encodings.
// doc/format.md is the prose specification; keep the two in step.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "streamll/store.hpp"

namespace streamll::layout {

// Bumped on any incompatible change; stored under kFormatVersionKey.
// A new store has version 5 (packed index entries). Versions 3 and 4 (an
// index key per event; 4 once pruned) are converted by a writer's open
// (store/convert.cpp); views of them are refused with a message saying so.
inline constexpr int kFormatVersion = 5;
inline constexpr int kOldestConvertible = 3;
inline constexpr int kPrunedVersion4 = 4;
// The version a kFormatVersionKey value names (0 when it is no number), and
// whether a writer's open converts it.
int parse_format_version(std::string_view text);
inline bool converts_from(int version) { return version == kOldestConvertible || version == kPrunedVersion4; }
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

// Present (empty value) once a prune has removed events: blocks may then
// hold pruned records (doc/format.md), and a crash's leftover tables may
// name events that are gone (store/table_files.hpp).
inline constexpr std::string_view kPrunedKey = "streamll.pruned";

// The directory beside the tables where replicators record how far they
// have shipped the store (Store::mark_replicated), one file per target.
inline constexpr const char* kReplicationDir = "replication";

// The directory beside the tables where Store::append_all builds its table
// files before RocksDB ingests them (store/staged_tables.hpp). Only a
// writer uses it; what a killed append left there is removed by the next
// writer's open.
inline constexpr const char* kStagingDir = "staging";

// Column families, in the order Store::Impl keeps their handles.
enum Family : int { kMeta = 0, kBlocks, kByExecution, kByTime, kById, kExecutions, kTypes, kFamilyCount };
inline constexpr const char* kFamilyNames[kFamilyCount] = {
    "default", "blocks", "by_execution", "by_time", "by_id", "executions", "types"};

// A timestamp as 8 bytes that sort like the signed value (sign bit flipped).
void put_ts(int64_t ts, std::string* out);
int64_t get_ts(std::string_view eight_bytes);

// blocks: seq(8) of the block's first event -> a block (store/block.hpp).
std::string seq_key(uint64_t seq);

// by_execution: execution_id 0x00 first_seq(8) -> postings (store/postings.hpp),
// one entry per execution and append, first_seq the smallest seq in it.
// execution_id holds no NUL byte, so one execution's entries are contiguous.
void append_execution_entry_key(std::string_view execution_id, uint64_t first_seq, std::string* out);
// The bounds [lower, upper) of the entries of one execution.
std::string execution_lower_bound(std::string_view execution_id);
std::string execution_upper_bound(std::string_view execution_id);

// by_time: bucket(8) first_seq(8) -> postings, one entry per time bucket and
// append: the events of that append whose timestamp is in the bucket.
// A bucket is 2^kTimeBucketBits ns (268 ms) of timestamps, as the
// timestamp is encoded (put_ts of ts >> kTimeBucketBits).
inline constexpr int kTimeBucketBits = 28;
inline int64_t time_bucket(int64_t ts) { return ts >> kTimeBucketBits; }
std::string time_entry_key(int64_t bucket, uint64_t first_seq);
// The bucket a by_time key names (its first 8 bytes; key.size() >= 8).
inline int64_t bucket_of_time_key(std::string_view key) { return get_ts(key.substr(0, 8)); }
// The bounds [lower, upper) of the entries that may hold events in `range`;
// upper is empty (no bound) when the range reaches the last bucket.
std::string time_lower_bound(const TimeRange& range);
std::string time_upper_bound(const TimeRange& range);

// The first seq that ends a by_execution or by_time key (its last 8 bytes),
// or 0 when the key is too short to hold one.
uint64_t seq_of_index_key(std::string_view key);

}  // namespace streamll::layout

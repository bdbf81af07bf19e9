// The check that every open makes before it answers: the table files on disk
// are the ones the MANIFEST lists, whole. RocksDB checksums every block it
// reads, but a MANIFEST cut short (it then lists fewer tables), a table file
// cut short at a block edge, or a table file deleted are covered by no
// checksum: reads would silently answer from part of the store, and a
// writer's open would delete the tables the MANIFEST no longer lists.
#pragma once

#include <set>
#include <string>
#include <vector>

#include <rocksdb/db.h>

#include "streamll/status.hpp"

namespace streamll::detail {

// Opens `path` read-only (which changes no file, though it replays the
// write-ahead log into memory), and returns Corruption naming the first
// table file (*.sst) that is:
// - listed in the MANIFEST but missing, or of another size than it recorded;
// - on disk but not listed, after its last writer closed cleanly (no
//   layout::kWriterMarker): a clean close leaves no such file;
// - on disk but not listed while a writer is open or after one crashed,
//   holding what the store does not have: a key it lacks, or another value
//   for a key of a family whose keys are written once. A file of which the
//   store has everything is what a crash or a running writer leaves (a flush
//   whose log is still there, a compaction's inputs or outputs) and is
//   accepted; so is one that is not a complete table (a write cut short).
//   The summary families' values are merged, so only their keys are
//   compared. A table that is a link to a file in the staging directory
//   (layout::kStagingDir) is an ingestion's, running or killed, and is
//   accepted too. In a pruned store (format version 4) a key it lacks is
//   accepted when it names a seq the store has given out (the event was
//   there, then pruned), and blocks may differ (prune rewrites them).
// `families` gives each family's options (merge operators, so that a table of
// merge operands can be read); `options` the database's (its info log).
// *listed, when given, receives the names of the tables the MANIFEST lists.
// Cost: the read-only open, a directory listing and one stat() per listed
// table; each unlisted table is read whole, with one point lookup per key (it
// exists only after a crash or damage, or for moments beside a running writer).
Status check_table_files(const std::string& path, const rocksdb::DBOptions& options,
                         const std::vector<rocksdb::ColumnFamilyDescriptor>& families,
                         std::set<std::string>* listed = nullptr);

// What a failed open of `path` (status `s`) means for a user, with the
// file it concerns: a table the MANIFEST lists but is missing, a table that
// is not readable, a damaged write-ahead log record (wal_check.hpp) or a
// damaged MANIFEST, each with what to do; else `s` as a Status. Cost: only
// on failure, a read of each table's footer and of the logs.
Status explain_open_failure(const std::string& path, const rocksdb::Status& s);

// "NAME is not a readable table (why)" for the first table file in `path`
// (by name) that RocksDB cannot open as a table (cut short, overwritten), or
// "" when it can open every one. Cost: opens each table file (footer, index).
std::string first_unreadable_table(const std::string& path);

// A secondary instance (a view) that RocksDB opened on the MANIFEST that
// check_table_files() read: Corruption when it left out one of `listed`.
// (A secondary drops a table it cannot load, and answers from the rest.)
Status check_view_tables(rocksdb::DB* view, const std::set<std::string>& listed, const std::string& path);

}  // namespace streamll::detail

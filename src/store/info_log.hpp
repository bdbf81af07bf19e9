// RocksDB's info log (the LOG file in the store directory) written by a
// logger that can fail quietly. RocksDB's own file logger asserts when a
// write to LOG fails after an earlier failure (Debian builds it with
// assertions on), so a full disk would abort the application; this one
// drops lines it cannot write, and stops at a size cap.
#pragma once

#include <memory>
#include <string>

#include <rocksdb/env.h>

namespace streamll::detail {

// Opens `dir`/LOG for the info log (appending; a log past 4 MB is kept as
// LOG.old and a new one started; at 8 MB it stops growing).
// When the file cannot be created the logger discards everything (the store
// works the same). Thread-safe, as RocksDB requires.
std::shared_ptr<rocksdb::Logger> open_info_log(const std::string& dir);

}  // namespace streamll::detail

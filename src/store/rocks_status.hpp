// Translation of RocksDB statuses into streamll's.
#pragma once

#include <string_view>

#include <rocksdb/status.h>

#include "streamll/status.hpp"

namespace streamll::detail {

// Corruption stays corruption, anything else failing is an I/O error;
// `context` (e.g. the store path) prefixes the message when non-empty.
Status from_rocks(const rocksdb::Status& s, std::string_view context = {});

}  // namespace streamll::detail

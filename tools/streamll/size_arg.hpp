// Parsing of byte sizes (--max-bytes).
#pragma once

#include <cstdint>
#include <string>

#include "streamll/status.hpp"

namespace streamll::cli {

// A whole number of bytes, optionally with a binary unit: 500, 64K, 512M,
// 10G, 2T (K = 1024; a trailing "B" or "iB" is accepted: 10GB, 10GiB).
// InvalidArgument naming `option` otherwise.
Status parse_size_arg(const std::string& option, const std::string& text, uint64_t* out);

}  // namespace streamll::cli

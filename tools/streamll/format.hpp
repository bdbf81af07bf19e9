// Text and JSON renderings shared by the CLI commands.
#pragma once

#include <cstdint>
#include <string>

#include "streamll/event.hpp"
#include "streamll/store.hpp"

namespace streamll::cli {

// "0", "850µs", "12.3ms", "4.56s", "2m03s": short and readable.
std::string format_duration(uint64_t ns);

// "0 B", "812 B", "44.1 MiB", "1.20 GiB": binary units.
std::string format_bytes(uint64_t bytes);

}  // namespace streamll::cli

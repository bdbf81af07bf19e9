// Precompiled for every CLI source: CLI11, fmt and nlohmann_json are
// header-only and cost most of each file's compile time (20 s a file at -O3).

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

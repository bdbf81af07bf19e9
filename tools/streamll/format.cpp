#include "format.hpp"

#include <fmt/format.h>

#include "streamll/timestamp.hpp"

namespace streamll::cli {

std::string format_duration(uint64_t ns) {
  if (ns == 0) return "0";
  if (ns < 1'000) return fmt::format("{}ns", ns);
  const auto d = static_cast<double>(ns);
  if (ns < 1'000'000) return fmt::format("{:.0f}µs", d / 1e3);
  if (ns < 1'000'000'000) return fmt::format("{:.1f}ms", d / 1e6);
  if (ns < 60'000'000'000) return fmt::format("{:.2f}s", d / 1e9);
  const uint64_t seconds = ns / 1'000'000'000;
  if (seconds < 3600) return fmt::format("{}m{:02}s", seconds / 60, seconds % 60);
  return fmt::format("{}h{:02}m", seconds / 3600, seconds / 60 % 60);
}

std::string format_bytes(uint64_t bytes) {
  if (bytes < 1024) return fmt::format("{} B", bytes);
  static constexpr const char* kUnits[] = {"KiB", "MiB", "GiB", "TiB", "PiB"};
  double v = static_cast<double>(bytes) / 1024;
  size_t unit = 0;
  while (v >= 1024 && unit + 1 < std::size(kUnits)) {
    v /= 1024;
    ++unit;
  }
  return v < 10 ? fmt::format("{:.2f} {}", v, kUnits[unit]) : fmt::format("{:.1f} {}", v, kUnits[unit]);
}

}  // namespace streamll::cli

#include "machine.hpp"

#include <dlfcn.h>
#include <sched.h>
#include <sqlite3.h>
#include <sys/utsname.h>

#include <fstream>
#include <string_view>

#include <fmt/format.h>
#include <rocksdb/version.h>

namespace streamll::bench {

namespace {

constexpr const char* kUnknown = "unknown";

std::string_view trimmed(std::string_view s) {
  const size_t start = s.find_first_not_of(" \t");
  if (start == std::string_view::npos) return {};
  return s.substr(start, s.find_last_not_of(" \t") - start + 1);
}

// The value of the first "key : value" line of a /proc file with that key.
std::string proc_field(const char* path, std::string_view key) {
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    const size_t colon = line.find(':');
    if (colon == std::string::npos || trimmed(std::string_view(line).substr(0, colon)) != key) continue;
    const std::string_view value = trimmed(std::string_view(line).substr(colon + 1));
    return value.empty() ? kUnknown : std::string(value);
  }
  return kUnknown;
}

std::string cpu_count() {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof(set), &set) != 0) return kUnknown;
  return fmt::format("{}", CPU_COUNT(&set));
}

// "16303948 kB" -> "15.5 GiB"
std::string memory() {
  const std::string total = proc_field("/proc/meminfo", "MemTotal");
  try {
    return fmt::format("{:.1f} GiB", std::stod(total) / (1024 * 1024));
  } catch (const std::exception&) {
    return total;
  }
}

std::string kernel() {
  utsname name{};
  if (uname(&name) != 0) return kUnknown;
  return fmt::format("{} {} {}", name.sysname, name.release, name.machine);
}

// The file the RocksDB library was loaded from: Debian's (with assertions)
// or one built by tools/rocksdb-release.
std::string rocksdb_library() {
  Dl_info info{};
  if (dladdr(reinterpret_cast<const void*>(&rocksdb::GetRocksVersionAsString), &info) == 0 || info.dli_fname == nullptr) {
    return kUnknown;
  }
  const std::string_view path = info.dli_fname;
  return fmt::format("{}{}", path, path.starts_with("/usr/lib") ? " (Debian's, built with assertions)" : "");
}

}  // namespace

std::vector<MachineFact> describe_machine() {
  return {
      {"cpus (nproc)", cpu_count()},
      {"cpu", proc_field("/proc/cpuinfo", "model name")},
      {"memory", memory()},
      {"kernel", kernel()},
      {"RocksDB", rocksdb::GetRocksVersionAsString()},
      {"RocksDB library", rocksdb_library()},
      {"SQLite", sqlite3_libversion()},
  };
}

}  // namespace streamll::bench

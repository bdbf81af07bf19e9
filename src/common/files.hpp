// Small file-system helpers shared by the store's maintenance code.
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <string>

namespace streamll::detail {

// fsync()s the directory `dir`, so that the entries made or renamed in it
// survive a machine crash; false when it cannot be opened or synced.
inline bool sync_directory(const std::filesystem::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool synced = ::fsync(fd) == 0;
  ::close(fd);
  return synced;
}

// The sizes of the regular files under `dir`, recursively; *wal_bytes
// (optional) gets those of the write-ahead logs (*.log) directly in it.
// Files removed meanwhile (by a running writer) count as 0.
inline uint64_t directory_bytes(const std::filesystem::path& dir, uint64_t* wal_bytes = nullptr) {
  namespace fs = std::filesystem;
  uint64_t total = 0;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    std::error_code size_ec;
    if (!it->is_regular_file(size_ec)) continue;
    const uint64_t size = it->file_size(size_ec);
    if (size_ec) continue;
    total += size;
    if (wal_bytes != nullptr && it.depth() == 0 && it->path().extension() == ".log") *wal_bytes += size;
  }
  return total;
}

}  // namespace streamll::detail

#include "support/tmpfs.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include <sys/mount.h>

namespace streamll::testing {

Tmpfs::Tmpfs(size_t bytes) : bytes_(bytes) {
  std::string tmpl = (std::filesystem::temp_directory_path() / "streamll-tmpfs-XXXXXX").string();
  if (mkdtemp(tmpl.data()) == nullptr) {
    error_ = std::strerror(errno);
    return;
  }
  path_ = tmpl;
  const std::string data = "size=" + std::to_string(bytes);
  if (::mount("tmpfs", path_.c_str(), "tmpfs", 0, data.c_str()) != 0) {
    error_ = std::string("mount tmpfs: ") + std::strerror(errno);
    return;
  }
  mounted_ = true;
}

Tmpfs::~Tmpfs() {
  if (mounted_) ::umount2(path_.c_str(), MNT_DETACH);
  if (!path_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
}

bool Tmpfs::remount(unsigned long flags) {
  const std::string data = "size=" + std::to_string(bytes_);
  if (::mount("tmpfs", path_.c_str(), "tmpfs", MS_REMOUNT | flags, data.c_str()) == 0) return true;
  error_ = std::string("remount: ") + std::strerror(errno);
  return false;
}

bool Tmpfs::resize(size_t bytes) {
  bytes_ = bytes;
  return remount(0);
}

bool Tmpfs::set_read_only(bool read_only) { return remount(read_only ? MS_RDONLY : 0); }

}  // namespace streamll::testing

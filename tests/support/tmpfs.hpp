// A small tmpfs mounted for a test: a real file system that fills up when
// told to, gets space back, or turns read-only, for fault-injection tests.
// Mounting needs root (CAP_SYS_ADMIN); where that is missing, available()
// is false and says why.
#pragma once

#include <cstddef>
#include <string>

namespace streamll::testing {

class Tmpfs {
 public:
  // Mounts a tmpfs of `bytes` on a fresh directory under /tmp.
  explicit Tmpfs(size_t bytes);
  ~Tmpfs();  // unmounts (lazily, should files still be open) and removes the directory
  Tmpfs(const Tmpfs&) = delete;
  Tmpfs& operator=(const Tmpfs&) = delete;

  bool available() const { return mounted_; }
  const std::string& error() const { return error_; }
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

  // Remounts with a new size (space returns, or goes) or read-only / read-write.
  // Read-only fails (EBUSY) while a file is open for writing in it.
  bool resize(size_t bytes);
  bool set_read_only(bool read_only);

 private:
  bool remount(unsigned long flags);
  std::string path_;
  std::string error_;
  size_t bytes_ = 0;
  bool mounted_ = false;
};

}  // namespace streamll::testing

#include "store/view_dir.hpp"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <filesystem>

#include <fmt/format.h>

namespace streamll::detail {

namespace fs = std::filesystem;

namespace {

// Whether the directory named PID-... belongs to a process that is gone.
bool owner_is_gone(const std::string& name) {
  int pid = 0;
  const auto [end, err] = std::from_chars(name.data(), name.data() + name.size(), pid);
  if (err != std::errc() || end == name.data() || *end != '-' || pid <= 0) return false;
  return ::kill(pid, 0) != 0 && errno == ESRCH;
}

}  // namespace

Status make_view_dir(std::string* out) {
  const char* tmp = std::getenv("TMPDIR");
  const fs::path parent = fs::path(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") /
                          fmt::format("streamll-views-{}", ::getuid());
  if (::mkdir(parent.c_str(), 0700) != 0 && errno != EEXIST) {
    return Status::io_error(fmt::format("cannot create {} for a read-only view", parent.string()));
  }
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(parent, ec)) {
    if (owner_is_gone(entry.path().filename().string())) {
      std::error_code ignored;
      fs::remove_all(entry.path(), ignored);
    }
  }
  std::string path = (parent / fmt::format("{}-XXXXXX", ::getpid())).string();
  if (::mkdtemp(path.data()) == nullptr) {
    return Status::io_error(fmt::format("cannot create a directory in {} for a read-only view", parent.string()));
  }
  *out = std::move(path);
  return Status::ok_status();
}

}  // namespace streamll::detail

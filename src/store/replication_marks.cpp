// Store::mark_replicated() and replication_marks(): how far each replication
// target has shipped the store, in files beside its tables (doc/format.md,
// "Files of its own"), so that prune() keeps what is not shipped yet. One
// file per target, named by a hash of the target, holding three lines:
// the target, the seq shipped through, and when (ns since the epoch).
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "streamll/timestamp.hpp"
#include "store/layout.hpp"
#include "store/store_impl.hpp"

namespace streamll {

namespace fs = std::filesystem;

namespace {

// FNV-1a: a stable name for the target's file (std::hash may differ between builds).
std::string file_name_of(std::string_view target) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : target) h = (h ^ c) * 1099511628211ULL;
  return fmt::format("{:016x}", h);
}

}  // namespace

Status Store::mark_replicated(std::string_view target, uint64_t seq) const {
  if (target.find('\n') != std::string_view::npos) {
    return Status::invalid_argument("a replication target must be one line");
  }
  const fs::path dir = fs::path(impl_->path) / layout::kReplicationDir;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Status::io_error(fmt::format("cannot create {}: {}", dir.string(), ec.message()));
  const fs::path file = dir / file_name_of(target);
  // A name of this call's own: replicators on two threads may mark at once.
  static std::atomic<uint64_t> writes{0};
  const fs::path tmp = dir / (file.filename().string() + fmt::format(".{}.{}.tmp", ::getpid(), ++writes));
  const std::string text = fmt::format("{}\n{}\n{}\n", target, seq, now_ns());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Status::io_error(fmt::format("cannot write {}: {}", tmp.string(), std::strerror(errno)));
  const bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ::close(fd);
  if (!written || ::rename(tmp.c_str(), file.c_str()) != 0) {
    const std::string why = std::strerror(errno);
    ::unlink(tmp.c_str());
    return Status::io_error(fmt::format("cannot write {}: {}", file.string(), why));
  }
  return Status::ok_status();
}

Status Store::replication_marks(std::vector<ReplicationMark>* out) const {
  out->clear();
  const fs::path dir = fs::path(impl_->path) / layout::kReplicationDir;
  std::error_code ec;
  if (!fs::exists(dir, ec)) return Status::ok_status();
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.ends_with(".tmp")) continue;  // a write in progress, or cut short
    std::ifstream in(entry.path());
    ReplicationMark mark;
    std::string seq, updated;
    const auto number = [](const std::string& text, auto* value) {
      const auto [end, err] = std::from_chars(text.data(), text.data() + text.size(), *value);
      return err == std::errc() && end == text.data() + text.size();
    };
    if (!std::getline(in, mark.target) || !std::getline(in, seq) || !std::getline(in, updated) ||
        !number(seq, &mark.seq) || !number(updated, &mark.updated_ns)) {
      return Status::corruption(fmt::format(
          "{}: not a replication mark (expected the target, a seq and a time, one per line); delete it to forget "
          "that target", entry.path().string()));
    }
    out->push_back(std::move(mark));
  }
  if (ec) return Status::io_error(fmt::format("cannot list {}: {}", dir.string(), ec.message()));
  std::sort(out->begin(), out->end(), [](const ReplicationMark& a, const ReplicationMark& b) { return a.target < b.target; });
  return Status::ok_status();
}

}  // namespace streamll

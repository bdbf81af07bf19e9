#include "store/change_watch.hpp"

#include <sys/inotify.h>
#include <unistd.h>

#include <cerrno>

namespace streamll::detail {

namespace {

// A change to a file in the directory, or to the directory itself (removed,
// renamed: the watch ends, and the next poll watches the name anew).
constexpr uint32_t kEvents = IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE | IN_CREATE | IN_DELETE | IN_MOVED_FROM |
                             IN_MOVED_TO | IN_DELETE_SELF | IN_MOVE_SELF;

}  // namespace

ChangeWatch::ChangeWatch(std::string dir) : dir_(std::move(dir)) { watch(); }

ChangeWatch::~ChangeWatch() { close_watch(); }

void ChangeWatch::watch() {
  fd_ = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd_ >= 0 && ::inotify_add_watch(fd_, dir_.c_str(), kEvents | IN_ONLYDIR) < 0) close_watch();
}

void ChangeWatch::close_watch() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

bool ChangeWatch::poll() {
  if (fd_ < 0) {
    watch();  // for the next poll; this one cannot know what happened meanwhile
    return true;
  }
  alignas(inotify_event) char buf[16384];
  bool changed = false;
  for (;;) {
    const ssize_t n = ::read(fd_, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // EAGAIN: nothing (more) queued
    changed = true;
    for (ssize_t at = 0; at < n;) {
      const auto* e = reinterpret_cast<const inotify_event*>(buf + at);
      // The directory was removed or renamed (IN_IGNORED follows), or events
      // were lost: watch the name again next time, and say changed until then.
      if ((e->mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED)) != 0) {
        close_watch();
        return true;
      }
      at += static_cast<ssize_t>(sizeof(inotify_event) + e->len);
    }
  }
  return changed;
}

}  // namespace streamll::detail

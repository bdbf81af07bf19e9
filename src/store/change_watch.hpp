// Whether a store's writer may have written since a view last looked, in
// one system call: an inotify watch on the store directory reports every
// write to a file in it (the write-ahead log, the MANIFEST) and every file
// made, renamed or removed (a flush, a compaction), queued by the kernel
// before the writer's write() returns. A view catches up (milliseconds)
// only when this says so.
//
// Where inotify is unavailable (the per-user limit of instances reached),
// every poll says "changed": always correct, only slower.
// Thread-safety: none; the view calls it under its refresh mutex.
#pragma once

#include <string>

namespace streamll::detail {

class ChangeWatch {
 public:
  // Watches `dir` from now on.
  explicit ChangeWatch(std::string dir);
  ~ChangeWatch();
  ChangeWatch(const ChangeWatch&) = delete;
  ChangeWatch& operator=(const ChangeWatch&) = delete;

  // True when anything in the directory changed since the last poll (or
  // nothing can be watched); reads what the kernel queued, so that the next
  // poll sees only later changes. Cost: one read() when nothing changed.
  bool poll();

 private:
  void watch();
  void close_watch();

  std::string dir_;
  int fd_ = -1;
};

}  // namespace streamll::detail

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "streamll/event_json.hpp"
#include "streamll/sink.hpp"

namespace streamll {

JsonlSink::JsonlSink(std::string path) : path_(std::move(path)) {}

JsonlSink::~JsonlSink() {
  if (fd_ >= 0) ::close(fd_);
}

Status JsonlSink::write(std::span<const EventView> batch) {
  if (fd_ < 0) {
    // Opened on first use (and again after a failure), from the delivery thread.
    fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd_ < 0) return Status::io_error(fmt::format("{}: {}", path_, std::strerror(errno)));
  }
  std::string text;
  for (const EventView& e : batch) {
    append_event_json(e, &text);
    text.push_back('\n');
  }
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd_, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      ::close(fd_);
      fd_ = -1;
      return Status::io_error(fmt::format("{}: {}", path_, std::strerror(err)));
    }
    done += static_cast<size_t>(n);
  }
  return Status::ok_status();
}

Status JsonlSink::flush() {
  if (fd_ >= 0 && ::fsync(fd_) != 0) return Status::io_error(fmt::format("{}: fsync: {}", path_, std::strerror(errno)));
  return Status::ok_status();
}

}  // namespace streamll

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include <fmt/format.h>

#include "streamll/event_json.hpp"
#include "streamll/sink.hpp"

namespace streamll {

JsonlSink::JsonlSink(std::string path) : path_(std::move(path)) {}

JsonlSink::JsonlSink(std::FILE* out) : path_(out == stdout ? "stdout" : "stream"), stream_(true), out_(out) {}

JsonlSink::~JsonlSink() {
  if (fd_ >= 0) ::close(fd_);
}

Status JsonlSink::write(std::span<const EventView> batch) {
  text_.clear();
  for (const EventView& e : batch) {
    append_event_json(e, &text_);
    text_.push_back('\n');
  }
  if (!stream_) return write_file(text_);
  if (out_ == nullptr) return Status::invalid_argument("JsonlSink was given no stream (a null FILE*)");
  if (std::fwrite(text_.data(), 1, text_.size(), out_) != text_.size()) {
    return Status::io_error(fmt::format("writing to {} failed", path_));
  }
  return Status::ok_status();
}

Status JsonlSink::write_file(const std::string& text) {
  if (fd_ < 0) {
    // Opened on first use (and again after a failure), from the delivery thread.
    fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd_ < 0) return Status::io_error(fmt::format("{}: {}", path_, std::strerror(errno)));
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
  if (stream_) {
    if (out_ == nullptr) return Status::invalid_argument("JsonlSink was given no stream (a null FILE*)");
    return std::fflush(out_) == 0 ? Status::ok_status() : Status::io_error(fmt::format("writing to {} failed", path_));
  }
  if (fd_ >= 0 && ::fsync(fd_) != 0) return Status::io_error(fmt::format("{}: fsync: {}", path_, std::strerror(errno)));
  return Status::ok_status();
}

}  // namespace streamll

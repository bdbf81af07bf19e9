#include "store/info_log.hpp"

#include <cstdarg>
#include <cstdio>
#include <ctime>
#include <mutex>

#include <sys/stat.h>
#include <sys/time.h>

namespace streamll::detail {

namespace {

class QuietFileLogger : public rocksdb::Logger {
 public:
  // Beyond this the log keeps quiet: it is for diagnosing RocksDB, and must
  // never be what fills a disk.
  static constexpr long kMaxBytes = 8 << 20;

  QuietFileLogger(std::FILE* file, long size)
      : rocksdb::Logger(rocksdb::InfoLogLevel::INFO_LEVEL), file_(file), written_(size) {}
  ~QuietFileLogger() override { close_file(); }

  using rocksdb::Logger::Logv;
  void Logv(const char* format, va_list ap) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (file_ == nullptr || written_ > kMaxBytes) return;
    timeval now{};
    gettimeofday(&now, nullptr);
    tm t{};
    localtime_r(&now.tv_sec, &t);
    char stamp[64];
    std::snprintf(stamp, sizeof stamp, "%04d/%02d/%02d-%02d:%02d:%02d.%06ld ", t.tm_year + 1900, t.tm_mon + 1,
                  t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec, static_cast<long>(now.tv_usec));
    // Failed writes (ENOSPC, EIO) are dropped: fputs/vfprintf only set the
    // stream's error flag.
    std::fputs(stamp, file_);
    const int n = std::vfprintf(file_, format, ap);
    std::fputc('\n', file_);
    std::fflush(file_);
    std::clearerr(file_);
    written_ += static_cast<long>(sizeof stamp) + (n > 0 ? n : 0);
  }

  void Flush() override {
    std::lock_guard<std::mutex> lock(mu_);
    if (file_ != nullptr) std::fflush(file_);
  }

 protected:
  rocksdb::Status CloseImpl() override {
    close_file();
    return rocksdb::Status::OK();
  }

 private:
  void close_file() {
    std::lock_guard<std::mutex> lock(mu_);
    if (file_ != nullptr) std::fclose(file_);
    file_ = nullptr;
  }

  std::mutex mu_;
  std::FILE* file_;
  long written_;
};

}  // namespace

std::shared_ptr<rocksdb::Logger> open_info_log(const std::string& dir) {
  const std::string path = dir + "/LOG";
  // Appended to, so that a second opening (refused: the store is busy)
  // does not move the running writer's log away; started afresh at half
  // the cap, the previous one kept as LOG.old.
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && st.st_size > QuietFileLogger::kMaxBytes / 2) {
    std::rename(path.c_str(), (path + ".old").c_str());
  }
  std::FILE* file = std::fopen(path.c_str(), "ae");
  long size = 0;
  if (file != nullptr) {
    std::fseek(file, 0, SEEK_END);
    size = std::ftell(file);
  }
  // Without a file the logger discards everything: RocksDB would otherwise
  // make its own.
  return std::make_shared<QuietFileLogger>(file, size);
}

}  // namespace streamll::detail

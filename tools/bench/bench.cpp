#include "bench.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;

namespace streamll::bench {

Status shell(const std::string& command, std::string* out) {
  out->clear();
  std::FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return Status::io_error(fmt::format("cannot run: {}", command));
  char buf[4096];
  for (size_t n; (n = std::fread(buf, 1, sizeof(buf), pipe)) > 0;) out->append(buf, n);
  const int rc = pclose(pipe);
  if (rc != 0) return Status::io_error(fmt::format("failed (status {}): {}\n{}", rc, command, *out));
  return Status::ok_status();
}

Status ScratchDir::create(const std::string& parent, bool keep, std::unique_ptr<ScratchDir>* out) {
  std::string path = (fs::path(parent) / "streamll-bench-XXXXXX").string();
  if (mkdtemp(path.data()) == nullptr) {
    return Status::io_error(fmt::format("cannot create a directory in {}: {}", parent, std::strerror(errno)));
  }
  out->reset(new ScratchDir(std::move(path), keep));
  return Status::ok_status();
}

ScratchDir::~ScratchDir() {
  if (keep_) {
    progress("kept {}", path_);
    return;
  }
  std::error_code ec;
  fs::remove_all(path_, ec);
  if (ec) progress("cannot remove {}: {}", path_, ec.message());
}

Status run_benchmark(Benchmark& bench, const RunOptions& options, Report* report) {
  std::unique_ptr<ScratchDir> scratch;
  Status s = ScratchDir::create(options.dir, options.keep, &scratch);
  if (s.ok()) s = bench.run(*scratch, report);
  return s;
}

uint64_t directory_bytes(const std::string& dir) {
  uint64_t total = 0;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (entry.is_regular_file()) total += entry.file_size();
  }
  return total;
}

uint64_t process_bytes_written() {
  std::ifstream io("/proc/self/io");
  std::string key;
  uint64_t value = 0;
  while (io >> key >> value) {
    if (key == "wchar:") return value;
  }
  return 0;
}

}  // namespace streamll::bench

// Fault injection with real file systems: a disk that fills up (a small
// tmpfs) and gets space back, a read-only file system, and the store
// directory removed under a running application. In every case emit goes
// on, nothing is silently lost (stored + lost + dropped = emitted), the
// failure is one line on stderr, and what was stored before is intact.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fcntl.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "streamll/streamll.hpp"
#include "support/open_store.hpp"
#include "support/temp_dir.hpp"
#include "support/tmpfs.hpp"
#include "support/wait_for.hpp"

using namespace streamll;
using streamll::testing::TempDir;
using streamll::testing::Tmpfs;

namespace {

constexpr size_t kMiB = 1 << 20;

// Sends this process's stderr to a file while alive; text() reads it.
class CapturedStderr {
 public:
  CapturedStderr() : path_(dir_ / "stderr.txt") {
    std::fflush(stderr);
    saved_ = ::dup(2);
    const int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(fd, 2);
    ::close(fd);
  }
  ~CapturedStderr() { restore(); }
  void restore() {
    if (saved_ < 0) return;
    std::fflush(stderr);
    ::dup2(saved_, 2);
    ::close(saved_);
    saved_ = -1;
  }
  std::string text() const {
    std::ifstream in(path_);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  // The lines that contain `needle`.
  size_t lines_with(const std::string& needle) const {
    std::istringstream in(text());
    size_t n = 0;
    for (std::string line; std::getline(in, line);) n += line.find(needle) != std::string::npos ? 1 : 0;
    return n;
  }

 private:
  TempDir dir_;
  std::string path_;
  int saved_ = -1;
};

#define REQUIRE_MOUNTED(fs)                                                            \
  if (!(fs).available()) {                                                             \
    WARN("skipped: this test mounts a tmpfs and cannot here: " << (fs).error());       \
    return;                                                                            \
  }

RuntimeOptions options_for(const std::string& store) {
  RuntimeOptions o;
  o.store_path = store;
  o.flush_interval = std::chrono::milliseconds(20);
  o.record_stats = false;
  return o;
}

void emit_padded(const std::string& execution, int n, size_t pad) {
  ExecutionScope scope(execution);
  for (int i = 0; i < n; ++i) emit("fault.step", {{"i", i}, {"pad", std::string(pad, 'p')}});
}

size_t count_events(Store& store, const std::string& execution) {
  size_t n = 0;
  auto it = store.scan_execution(execution);
  for (; it->valid(); it->next()) ++n;
  REQUIRE(it->status().ok());
  return n;
}

void require_accounted(const RuntimeStats& s) {
  INFO("emitted " << s.emitted << " stored " << s.stored << " lost " << s.store_lost << " dropped " << s.dropped);
  REQUIRE(s.stored + s.store_lost + s.dropped == s.emitted);
}

}  // namespace

TEST_CASE("a full disk: emit goes on, every lost event is counted, one log line, and storing resumes when space returns",
          "[faults][disk]") {
  Tmpfs fs(8 * kMiB);
  REQUIRE_MOUNTED(fs);
  CapturedStderr err;
  uint64_t stored_before_full = 0;
  {
    Runtime runtime(options_for(fs / "store"));
    REQUIRE(runtime.status().ok());
    emit_padded("before", 200, 100);
    REQUIRE(flush());
    // Fill the disk: 2 KB events until the store refuses them.
    bool refused = false;
    for (int round = 0; round < 200 && !refused; ++round) {
      emit_padded("filling", 500, 2048);
      refused = !flush();
    }
    REQUIRE(refused);
    RuntimeStats s = stats();
    stored_before_full = s.stored;
    CHECK(s.store_failures >= 1);
    CHECK(s.store_lost >= 1);
    require_accounted(s);
    // Still failing: emit keeps working and keeps counting.
    emit_padded("while-full", 300, 2048);
    CHECK_FALSE(flush());
    require_accounted(stats());

    // Space returns: the writer retries with backoff and resumes.
    REQUIRE(fs.resize(256 * kMiB));
    const uint64_t lost_when_space_returned = stats().store_lost;
    REQUIRE(testing::wait_for([] {
      emit_padded("probe", 1, 10);
      return flush(std::chrono::seconds(5));
    }));
    emit_padded("after", 400, 100);
    REQUIRE(flush());
    s = stats();
    require_accounted(s);
    CHECK(s.stored > stored_before_full);
    CHECK(s.store_lost >= lost_when_space_returned);
  }
  err.restore();
  INFO(err.text());
  CHECK(err.lines_with("streamll: cannot store events") == 1);
  CHECK(err.lines_with("No space left on device") == 1);
  CHECK(err.lines_with("takes events again") == 1);

  auto store = testing::open_store(fs / "store");
  VerifyReport report;
  const Status v = store->verify(&report);
  INFO(v.to_string());
  CHECK(v.ok());
  CHECK(count_events(*store, "before") == 200);
  CHECK(count_events(*store, "after") == 400);
  CHECK(count_events(*store, "while-full") == 0);
}

TEST_CASE("a store on a read-only file system: the writer is refused clearly, emit is a no-op, readers still read",
          "[faults][readonly]") {
  Tmpfs fs(16 * kMiB);
  REQUIRE_MOUNTED(fs);
  {
    Runtime runtime(options_for(fs / "store"));
    REQUIRE(runtime.status().ok());
    emit_padded("run", 50, 10);
  }
  REQUIRE(fs.set_read_only(true));
  {
    Runtime runtime(options_for(fs / "store"));
    INFO(runtime.status().to_string());
    CHECK_FALSE(runtime.status().ok());
    CHECK(runtime.status().message().find(fs / "store") != std::string::npos);
    CHECK(runtime.status().message().find("Read-only file system") != std::string::npos);
    CHECK_FALSE(emit("ignored", {}));
    CHECK(stats().emitted == 0);
  }
  StoreOptions view;
  view.mode = StoreOptions::Mode::kReadOnlyLive;
  auto store = testing::open_store(fs / "store", view);
  CHECK(count_events(*store, "run") == 50);
  CHECK(store->verify().ok());
}

TEST_CASE("the store directory removed under a running application: emit goes on, the loss is counted, one log line",
          "[faults][removed]") {
  TempDir dir;
  CapturedStderr err;
  {
    Runtime runtime(options_for(dir / "store"));
    REQUIRE(runtime.status().ok());
    emit_padded("before", 100, 10);
    REQUIRE(flush());
    std::filesystem::remove_all(dir / "store");
    emit_padded("after", 300, 10);
    CHECK_FALSE(flush());
    emit_padded("later", 300, 10);
    CHECK_FALSE(flush());
    const RuntimeStats s = stats();
    require_accounted(s);
    CHECK(s.stored == 100);
    CHECK(s.store_lost == 600);
  }
  err.restore();
  INFO(err.text());
  CHECK(err.lines_with("streamll: cannot store events") == 1);
  CHECK(err.lines_with("store directory was removed") == 1);
  CHECK_FALSE(std::filesystem::exists(dir / "store"));  // nothing recreated behind the user's back
}

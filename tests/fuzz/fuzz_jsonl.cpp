// Fuzz target: the JSONL importer (import_jsonl), what `streamll import`
// runs on a file of upstream events, into a real store.
//
// Properties, against decoding each line alone with event_from_json:
// the line count is right (blank lines included); every line that does not
// decode is reported, in order, as "SOURCE:LINE: <that line's error>"; the
// lines that decode are imported, each new event_id once (the others are
// counted as duplicates) and stored as decoded; without skip_invalid a bad
// line fails the import at the first bad line and writes nothing.
//
// The store is opened once in a temporary directory and replaced every few
// thousand inputs, so that it stays small; the properties hold whatever it
// holds already.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.hpp"
#include "streamll/event_json.hpp"
#include "streamll/jsonl.hpp"
#include "streamll/store.hpp"

using namespace streamll;

namespace {

constexpr const char* kSource = "fuzz.jsonl";

// Never destroyed: closed by an exit handler registered after the first open,
// so that it runs before the destructors of RocksDB's own statics (a store
// closed after them crashes in RocksDB).
class ScratchStore {
 public:
  Store* get() {
    if (store_ && ++uses_ < 4000) return store_.get();
    close();
    std::string tmpl = (std::filesystem::temp_directory_path() / "streamll-fuzz-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) std::abort();
    dir_ = tmpl;
    const Status s = Store::open(dir_ + "/store", {}, &store_);
    if (!s.ok()) {
      std::fprintf(stderr, "cannot open a scratch store in %s: %s\n", dir_.c_str(), s.to_string().c_str());
      std::abort();
    }
    uses_ = 0;
    if (!exit_handler_) {
      exit_handler_ = true;
      std::atexit([] { instance().close(); });
    }
    return store_.get();
  }

  static ScratchStore& instance() {
    static ScratchStore* const scratch = new ScratchStore;
    return *scratch;
  }

 private:
  void close() {
    store_.reset();
    if (!dir_.empty()) {
      std::error_code ec;
      std::filesystem::remove_all(dir_, ec);
      dir_.clear();
    }
  }

  std::unique_ptr<Store> store_;
  std::string dir_;
  int uses_ = 0;
  bool exit_handler_ = false;
};

struct Line {
  size_t number;        // 1-based
  std::string_view text;
};

// The lines std::getline gives: split at '\n'; a last line without '\n'
// counts when it is not empty.
std::vector<Line> split_lines(std::string_view input) {
  std::vector<Line> lines;
  size_t start = 0;
  while (start < input.size()) {
    size_t end = input.find('\n', start);
    if (end == std::string_view::npos) end = input.size();
    lines.push_back({lines.size() + 1, input.substr(start, end - start)});
    start = end + 1;
  }
  return lines;
}

bool is_blank(std::string_view line) { return line.find_first_not_of(" \t\r\n") == std::string_view::npos; }

struct Good {
  Event event;
  bool has_id;         // the line names its event_id (else one is generated)
  bool has_timestamp;  // the line has a timestamp (else it is the time of decoding)
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Store* store = ScratchStore::instance().get();
  const std::string input(reinterpret_cast<const char*>(data), size);

  // What each line is alone.
  const std::vector<Line> lines = split_lines(input);
  std::vector<Good> good;
  std::vector<std::string> problems;  // expected, in line order
  for (const Line& line : lines) {
    if (is_blank(line.text)) continue;
    Event e;
    const Status s = event_from_json(line.text, &e);
    if (!s.ok()) {
      problems.push_back(std::string(kSource) + ":" + std::to_string(line.number) + ": " + s.message());
      continue;
    }
    const Json obj = Json::parse(line.text, nullptr, false);
    FUZZ_CHECK(obj.is_object());
    good.push_back({std::move(e), obj.contains("event_id"), obj.contains("timestamp")});
  }

  // The events that are new to the store: each event_id once.
  std::set<std::string> new_ids;
  for (const Good& g : good) {
    if (new_ids.count(g.event.event_id) != 0) continue;
    Event stored;
    const Status s = store->get(g.event.event_id, &stored);
    FUZZ_CHECK(s.ok() || s.is_not_found());
    if (s.is_not_found()) new_ids.insert(g.event.event_id);
  }
  std::set<std::string> first_seen;

  ImportOptions options;
  options.source_name = kSource;
  const uint64_t last_seq = store->last_seq();

  if (!problems.empty()) {
    // Without skip_invalid: fails at the first bad line, writes nothing.
    std::istringstream in(input);
    ImportReport report;
    const Status s = import_jsonl(in, store, options, &report);
    FUZZ_CHECK(s.is_invalid_argument());
    FUZZ_CHECK(s.message() == problems.front() + " (nothing was imported)");
    FUZZ_CHECK(report.problems.size() == 1 && report.problems.front() == problems.front());
    FUZZ_CHECK(report.invalid == 1);
    FUZZ_CHECK(report.imported == 0 && report.duplicates == 0);
    FUZZ_CHECK(store->last_seq() == last_seq);
    options.skip_invalid = true;
  }

  std::istringstream in(input);
  ImportReport report;
  const Status s = import_jsonl(in, store, options, &report);
  if (!s.ok()) std::fprintf(stderr, "import_jsonl: %s\n", s.to_string().c_str());
  FUZZ_CHECK(s.ok());
  FUZZ_CHECK(report.lines == lines.size());
  FUZZ_CHECK(report.invalid == problems.size());
  FUZZ_CHECK(report.problems == problems);
  FUZZ_CHECK(report.imported + report.duplicates == good.size());
  FUZZ_CHECK(report.imported == new_ids.size());
  FUZZ_CHECK(store->last_seq() == last_seq + report.imported);

  // Each new event named by its line is stored as that line decodes.
  for (const Good& g : good) {
    if (!g.has_id || new_ids.count(g.event.event_id) == 0) continue;
    if (!first_seen.insert(g.event.event_id).second) continue;  // a later line with that id: a duplicate
    Event stored;
    FUZZ_CHECK(store->get(g.event.event_id, &stored).ok());
    Event expected = g.event;
    if (!g.has_timestamp) expected.timestamp = stored.timestamp;
    FUZZ_CHECK(stored == expected);
  }
  return 0;
}

// The fuzz corpus as an ordinary test: every input kept in
// tests/fuzz/corpus/<target>/ runs through that target's
// LLVMFuzzerTestOneInput (compiled in under another name, see meson.build),
// so that what fuzzing once found stays fixed, with any compiler.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

extern "C" int streamll_fuzz_event_json(const uint8_t* data, size_t size);
extern "C" int streamll_fuzz_record(const uint8_t* data, size_t size);
extern "C" int streamll_fuzz_timestamp(const uint8_t* data, size_t size);
extern "C" int streamll_fuzz_jsonl(const uint8_t* data, size_t size);

namespace {

namespace fs = std::filesystem;

// $STREAMLL_FUZZ_CORPUS, else the source tree's corpus this was built from.
fs::path corpus_root() {
  if (const char* dir = std::getenv("STREAMLL_FUZZ_CORPUS"); dir != nullptr && *dir != '\0') return dir;
  return STREAMLL_FUZZ_CORPUS;
}

void replay(const std::string& target, int (*one_input)(const uint8_t*, size_t)) {
  const fs::path dir = corpus_root() / target;
  INFO("corpus " << dir.string());
  REQUIRE(fs::is_directory(dir));
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.is_regular_file()) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  REQUIRE(!files.empty());
  for (const fs::path& file : files) {
    INFO("input " << file.string());
    std::ifstream in(file, std::ios::binary);
    REQUIRE(in);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    CHECK(one_input(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()) == 0);
  }
  static const uint8_t kNothing = 0;
  CHECK(one_input(&kNothing, 0) == 0);  // libFuzzer starts with the empty input too
}

}  // namespace

TEST_CASE("the event JSON decoder corpus replays without a finding", "[fuzz]") {
  replay("event_json", streamll_fuzz_event_json);
}

TEST_CASE("the record decoder corpus replays without a finding", "[fuzz]") {
  replay("record", streamll_fuzz_record);
}

TEST_CASE("the timestamp parser corpus replays without a finding", "[fuzz]") {
  replay("timestamp", streamll_fuzz_timestamp);
}

TEST_CASE("the JSONL importer corpus replays without a finding", "[fuzz]") {
  replay("jsonl", streamll_fuzz_jsonl);
}

// The streamll CLI end to end, as a user runs it: a real binary, a real store.
#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "streamll/event_json.hpp"
#include "streamll/store.hpp"
#include "streamll/timestamp.hpp"
#include "support/event_gen.hpp"
#include "support/process.hpp"
#include "support/redis_server.hpp"
#include "support/temp_dir.hpp"

using namespace streamll;
using streamll::testing::RunResult;
using streamll::testing::TempDir;

namespace {

struct Cli {
  TempDir dir;
  std::string db = dir / "store";

  RunResult operator()(std::vector<std::string> args, const std::string& input = "") const {
    args.insert(args.begin(), {testing::program("STREAMLL_CLI"), "--db", db});
    return testing::run(args, input);
  }
};

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

std::string random_jsonl(uint64_t seed, size_t n, size_t executions) {
  testing::EventGenerator gen(seed);
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    const int64_t ts = 1'756'000'000'000'000'000 + static_cast<int64_t>(i) * 1'000'000;
    append_event_json(gen.event("exec" + std::to_string(gen.pick(executions)), ts), &out);
    out += '\n';
  }
  return out;
}

// Appends 100 events each to run-a, run-b and run-c of the store at `db`
// from a writer that is then killed before it closes: they are in the
// write-ahead log only.
void append_then_kill(const std::string& db) {
  testing::Child writer({testing::program("STREAMLL_TEST_WRITER"), db});
  REQUIRE(writer.read_line() == "open");
  for (const char* run : {"run-a", "run-b", "run-c"}) {
    writer.write_line(std::string("append ") + run + " 100");
    REQUIRE(writer.read_line().starts_with("ok "));
  }
  writer.kill();
  writer.wait();
}

}  // namespace

TEST_CASE("import, executions, show and export give back every field unchanged", "[cli]") {
  Cli cli;
  const std::string input = random_jsonl(21, 400, 5);
  const RunResult imported = cli({"import", "-"}, input);
  INFO(imported.err);
  REQUIRE(imported.exit_code == 0);
  CHECK(imported.out.find("imported 400 events") != std::string::npos);

  const RunResult exported = cli({"export"});
  INFO("export's stderr: " << exported.err);
  REQUIRE(exported.exit_code == 0);
  CHECK(exported.out == input);  // time order == input order here; byte for byte

  const RunResult listed = cli({"executions", "--format", "json", "--limit", "0"});
  REQUIRE(listed.exit_code == 0);
  const Json executions = Json::parse(listed.out);
  REQUIRE(executions.size() == 5);
  size_t total = 0;
  for (const auto& e : executions) total += e["event_count"].get<size_t>();
  CHECK(total == 400);

  const std::string some = executions[0]["execution_id"];
  const RunResult shown = cli({"show", some, "--format", "json"});
  REQUIRE(shown.exit_code == 0);
  const Json events = Json::parse(shown.out);
  CHECK(events.size() == executions[0]["event_count"].get<size_t>());
  for (const auto& e : events) CHECK(e["execution_id"] == some);

  const RunResult table = cli({"show", some});
  REQUIRE(table.exit_code == 0);
  CHECK(table.out.find("execution " + some) != std::string::npos);
  CHECK(lines_of(table.out).size() == events.size() + 4);  // 2 header lines, a blank, column names
}

TEST_CASE("re-importing the same file stores no duplicates", "[cli]") {
  Cli cli;
  const std::string input = random_jsonl(22, 50, 2);
  REQUIRE(cli({"import", "-"}, input).exit_code == 0);
  const RunResult again = cli({"import", "-"}, input);
  REQUIRE(again.exit_code == 0);
  CHECK(again.out.find("imported 0 events") != std::string::npos);
  CHECK(again.out.find("50 duplicates skipped") != std::string::npos);
  CHECK(lines_of(cli({"export"}).out).size() == 50);
  CHECK(again.err.empty());
}

TEST_CASE("re-importing an event_id with other content warns with file and line", "[cli]") {
  Cli cli;
  std::vector<std::string> lines = lines_of(random_jsonl(24, 5, 1));
  std::string input;
  for (const auto& l : lines) input += l + "\n";
  REQUIRE(cli({"import", "-"}, input).exit_code == 0);
  Json changed = Json::parse(lines[3]);
  changed["event_type"] = "changed.type";
  lines[3] = changed.dump();
  input.clear();
  for (const auto& l : lines) input += l + "\n";
  const RunResult again = cli({"import", "-"}, input);
  REQUIRE(again.exit_code == 0);
  CHECK(again.out.find("5 duplicates skipped, 1 of them with other content") != std::string::npos);
  CHECK(again.err == fmt::format("warning: -:4: event_id \"{}\" is stored already with other content; the stored "
                                 "event was kept\n",
                                 changed["event_id"].get<std::string>()));
  CHECK(cli({"query", "SELECT count(*) FROM events WHERE event_type = 'changed.type'"}).out == "count(*)\n0\n");
}

TEST_CASE("integers beyond 64 bits and an object of 100,000 keys import and export exactly", "[cli]") {
  Cli cli;
  const std::string big =
      R"({"event_id":"big1","execution_id":"x","timestamp":"2025-08-24T12:40:47.000000Z","module_name":"m",)"
      R"("method_name":"forward","event_type":"t","operation":null,"data":{"n":123456789012345678901234567890,)"
      R"("m":-98765432109876543210,"u":18446744073709551615,"f":1.5},"tags":{}})";
  std::string wide =
      R"({"event_id":"wide1","execution_id":"x","timestamp":"2025-08-24T12:40:48.000000Z","module_name":"m",)"
      R"("method_name":"forward","event_type":"w","operation":null,"data":{)";
  for (int i = 0; i < 100000; ++i) wide += fmt::format("{}\"k{}\":{}", i > 0 ? "," : "", i, i);
  wide += R"(},"tags":{}})";
  REQUIRE(cli({"import", "-"}, big + "\n" + wide + "\n").exit_code == 0);
  // It was 1.2345678901234568e+29 (a double), and the wide event took 10-30 s.
  CHECK(cli({"export"}).out == big + "\n" + wide + "\n");
  CHECK(cli({"query", "SELECT json_extract(data, '$.k99999') FROM events WHERE event_id = 'wide1'"}).out ==
        "json_extract(data, '$.k99999')\n99999\n");
}

TEST_CASE("a bad line fails the import, names file, line and field, and writes nothing", "[cli]") {
  Cli cli;
  std::string input = random_jsonl(23, 10, 2);
  auto lines = lines_of(input);
  lines[6] = R"({"execution_id":"x","event_type":"t","timestamp":"2025-02-30T00:00:00Z"})";
  std::string bad;
  for (auto& l : lines) bad += l + "\n";
  const std::string file = cli.dir / "bad.jsonl";
  std::ofstream(file) << bad;

  const RunResult r = cli({"import", file});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find(file + ":7: field 'timestamp'") != std::string::npos);
  CHECK(r.err.find("nothing was imported") != std::string::npos);
  const RunResult exported = cli({"export"});
  CHECK(exported.exit_code == 0);
  CHECK(exported.out.empty());

  SECTION("--skip-invalid imports the good lines and reports each bad one") {
    const RunResult skipped = cli({"import", "--skip-invalid", file});
    CHECK(skipped.exit_code == 0);
    CHECK(skipped.err.find("skipped " + file + ":7: field 'timestamp'") != std::string::npos);
    CHECK(skipped.out.find("imported 9 events") != std::string::npos);
    CHECK(skipped.out.find("1 invalid lines skipped") != std::string::npos);
    CHECK(lines_of(cli({"export"}).out).size() == 9);
  }
}

TEST_CASE("export filters by execution, time and type pattern", "[cli]") {
  Cli cli;
  const std::string input = random_jsonl(24, 300, 3);
  REQUIRE(cli({"import", "-"}, input).exit_code == 0);
  std::vector<Event> all;
  for (const auto& line : lines_of(input)) {
    Event e;
    REQUIRE(event_from_json(line, &e).ok());
    all.push_back(e);
  }
  const auto count = [&](auto pred) {
    return static_cast<size_t>(std::count_if(all.begin(), all.end(), pred));
  };
  const int64_t since = all[100].timestamp, until = all[200].timestamp;

  CHECK(lines_of(cli({"export", "--execution", "exec1"}).out).size() ==
        count([](auto& e) { return e.execution_id == "exec1"; }));
  CHECK(lines_of(cli({"export", "--since", format_timestamp(since), "--until", format_timestamp(until)}).out).size() == 100);
  CHECK(lines_of(cli({"export", "--type", "rag.*"}).out).size() ==
        count([](auto& e) { return e.event_type.starts_with("rag."); }));
  CHECK(lines_of(cli({"export", "--execution", "exec2", "--type", "rag.", "--since", format_timestamp(since)}).out).size() ==
        count([&](auto& e) { return e.execution_id == "exec2" && e.event_type.starts_with("rag.") && e.timestamp >= since; }));
  CHECK(lines_of(cli({"export", "--since", "1h"}).out).empty());  // all events are from 2025
  // One grammar (type_pattern.hpp): without '*' or a trailing '.', a type is exact.
  const std::string one_type = all[7].event_type;
  CHECK(lines_of(cli({"export", "--type", one_type}).out).size() ==
        count([&](auto& e) { return e.event_type == one_type; }));
  CHECK(lines_of(cli({"export", "--type", "rag"}).out).size() == count([](auto& e) { return e.event_type == "rag"; }));
  CHECK(lines_of(cli({"types", "--type", "rag"}).out).size() <= 1);  // a header, no "rag.*" types

  const RunResult bad = cli({"export", "--since", "yesterday"});
  CHECK(bad.exit_code == 1);
  CHECK(bad.err.find("--since yesterday") != std::string::npos);
}

TEST_CASE("exit codes and messages for what users get wrong", "[cli]") {
  Cli cli;
  const RunResult missing_store = cli({"executions"});
  CHECK(missing_store.exit_code == 1);
  CHECK(missing_store.err.find("no store at " + cli.db) != std::string::npos);

  REQUIRE(cli({"import", "-"}, random_jsonl(25, 3, 1)).exit_code == 0);
  const RunResult no_exec = cli({"show", "nope"});
  CHECK(no_exec.exit_code == 1);
  CHECK(no_exec.err.find("no execution 'nope'") != std::string::npos);

  const RunResult no_file = cli({"import", cli.dir / "absent.jsonl"});
  CHECK(no_file.exit_code == 1);
  CHECK(no_file.err.find("cannot open") != std::string::npos);

  CHECK(cli({"frobnicate"}).exit_code == 1);
  CHECK(cli({"executions", "--format", "xml"}).exit_code == 1);
  CHECK(cli({}).exit_code == 1);
}

TEST_CASE("bad input is refused with what and where, and what was stored stays", "[cli]") {
  Cli cli;
  REQUIRE(cli({"import", "-"}, random_jsonl(30, 20, 2)).exit_code == 0);
  const std::string stored = cli({"export"}).out;

  SECTION("bytes that are not UTF-8: the line is named, the message itself is UTF-8") {
    const RunResult r = cli({"import", "-"}, "{\"execution_id\":\"x\",\"event_type\":\"t\",\"data\":{\"s\":\"caf\xe9\"}}\n");
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("-:1: invalid JSON: parse error at line 1, column 55") != std::string::npos);
    CHECK(r.err.find("ill-formed UTF-8 byte; last read: '\"caf\xEF\xBF\xBD\"'") != std::string::npos);
  }
  SECTION("a truncated 10 MB line: the message quotes a short excerpt") {
    const RunResult r = cli({"import", "-"}, "{\"execution_id\":\"x\",\"event_type\":\"t\",\"data\":{\"s\":\"" +
                                                 std::string(10 << 20, 'x') + "\n");
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("-:1: invalid JSON") != std::string::npos);
    CHECK(r.err.size() < 500);
  }
  SECTION("a file that cannot be read says why") {
    const RunResult missing = cli({"import", cli.dir / "absent.jsonl"});
    CHECK(missing.exit_code == 1);
    CHECK(missing.err.find("cannot open " + cli.dir / "absent.jsonl" + ": No such file or directory") != std::string::npos);
    const RunResult dir = cli({"import", cli.dir.path().string()});
    CHECK(dir.exit_code == 1);
    CHECK(dir.err.find("it is a directory") != std::string::npos);
  }
  SECTION("a negative count is refused, not read as a huge one") {
    for (std::vector<std::string> args : {std::vector<std::string>{"tail", "-n", "-1"},
                                          {"executions", "--limit", "-1"}, {"show", "exec0", "--width", "-5"}}) {
      const RunResult r = cli(args);
      INFO(args[0]);
      CHECK(r.exit_code == 1);
      CHECK(r.err.find("expected a whole number, 0 or more") != std::string::npos);
      CHECK(r.out.empty());
    }
  }
  SECTION("SQL: the statement error names line and column; the tables cannot be written") {
    const RunResult r = cli({"query", "SELECT 1;\nSELECT nope\n  FROM events"});
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("SQL error: line 2, column 8: no such column: nope") != std::string::npos);
    const RunResult write = cli({"query", "DELETE FROM events"});
    CHECK(write.exit_code == 1);
    CHECK(write.err.find("streamll tables are read-only") != std::string::npos);
  }
  CHECK(cli({"export"}).out == stored);
}

TEST_CASE("import holds a part of a large file in memory, not the file (it held 3x the file)", "[cli]") {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  WARN("skipped: a sanitizer's shadow memory and quarantine are not the importer's");
  return;
#endif
  Cli cli;
  // 150,000 events of about 600 bytes: 90 MB, written as generated (the
  // child's ru_maxrss counts this process's memory at the spawn too).
  testing::EventGenerator gen(40);
  const std::string file = cli.dir / "large.jsonl";
  size_t file_bytes = 0;
  {
    std::ofstream out(file);
    std::string line;
    for (size_t i = 0; i < 150'000; ++i) {
      Event e = gen.event("exec" + std::to_string(i / 50),
                          1'756'000'000'000'000'000 + static_cast<int64_t>(i) * 1'000'000);
      e.data["text"] = std::string(320, static_cast<char>('a' + i % 26));
      line.clear();
      append_event_json(e, &line);
      line += '\n';
      out << line;
      file_bytes += line.size();
    }
  }
  const RunResult imported = cli({"import", file});
  INFO(imported.err);
  REQUIRE(imported.exit_code == 0);
  CHECK(imported.out.find("imported 150000 events") != std::string::npos);
  const double file_kb = static_cast<double>(file_bytes) / 1024;
  INFO("file " << file_kb / 1024 << " MB, peak " << imported.peak_rss_kb / 1024 << " MB");
  // Decoded a part at a time into table files (Store::append_all): the
  // process's own ~30 MB, a part and ~100 bytes an event; every event held
  // at once, in a write batch and a memtable, took 3x the file.
  CHECK(static_cast<double>(imported.peak_rss_kb) < 0.8 * file_kb);
  CHECK(cli({"query", "SELECT count(*), count(DISTINCT execution_id) FROM events", "--format", "csv"}).out ==
        "count(*),count(DISTINCT execution_id)\n150000,3000\n");
}

TEST_CASE("a 10 MB event imports, exports and queries whole", "[cli]") {
  Cli cli;
  Event e;
  e.event_id = "big";
  e.execution_id = "bigrun";
  e.timestamp = 1'756'000'000'000'000'000;
  e.event_type = "llm.response";
  e.data = {{"text", std::string(10 << 20, 'y')}};
  const std::string line = event_to_json(e) + "\n";
  const RunResult imported = cli({"import", "-"}, line);
  INFO(imported.err);
  REQUIRE(imported.exit_code == 0);
  CHECK(cli({"export", "--execution", "bigrun"}).out == line);
  CHECK(cli({"query", "SELECT length(data) FROM events WHERE event_id = 'big'", "--format", "csv"}).out ==
        "length(data)\n10485771\n");
}

TEST_CASE("a damaged table file: reads that reach it fail with exit 2 naming the file; the rest reads", "[cli]") {
  Cli cli;
  REQUIRE(cli({"import", "-"}, random_jsonl(31, 3000, 3)).exit_code == 0);
  // The writer's next open flushes what the log recovered into table files.
  REQUIRE(cli({"import", "-"}, "").exit_code == 0);
  std::filesystem::path largest;
  for (const auto& entry : std::filesystem::directory_iterator(cli.db)) {
    if (entry.path().extension() == ".sst" &&
        (largest.empty() || entry.file_size() > std::filesystem::file_size(largest))) {
      largest = entry.path();
    }
  }
  REQUIRE(!largest.empty());
  {
    std::fstream f(largest, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(std::filesystem::file_size(largest) / 3));
    f << std::string(64, 'X');
  }
  // Reads every record (a count(*) alone may be answered from an index).
  const RunResult q = cli({"query", "SELECT max(length(data)) FROM events"});
  CHECK(q.exit_code == 2);
  CHECK(q.err.find("Corruption") != std::string::npos);
  CHECK(q.err.find(largest.filename().string()) != std::string::npos);
  const RunResult exported = cli({"export"});
  CHECK(exported.exit_code == 2);
  CHECK(exported.err.find("Corruption") != std::string::npos);
  const RunResult executions = cli({"executions", "--format", "json"});  // the summaries are in other files
  CHECK(executions.exit_code == 0);
  CHECK(Json::parse(executions.out).size() == 3);
}

TEST_CASE("a MANIFEST cut short: every command exits 2, import deletes nothing, repair brings every event back",
          "[cli]") {
  Cli cli;
  REQUIRE(cli({"import", "-"}, random_jsonl(32, 3000, 3)).exit_code == 0);
  REQUIRE(cli({"import", "-"}, random_jsonl(33, 1, 1)).exit_code == 0);
  std::string manifest;
  std::ifstream(std::filesystem::path(cli.db) / "CURRENT") >> manifest;
  const auto manifest_path = std::filesystem::path(cli.db) / manifest;
  // The end of the MANIFEST: the edits that list the second import's tables.
  std::filesystem::resize_file(manifest_path, std::filesystem::file_size(manifest_path) - 200);
  std::set<std::string> tables;
  for (const auto& entry : std::filesystem::directory_iterator(cli.db)) {
    if (entry.path().extension() == ".sst") tables.insert(entry.path().filename().string());
  }
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"query", "SELECT count(*) FROM events"}, {"export"}, {"verify"}, {"import", "-"}}) {
    const RunResult r = cli(args, "");
    INFO(args[0] << ": " << r.err);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("is not in the MANIFEST (the store's last writer closed cleanly") != std::string::npos);
    CHECK(r.err.find("streamll repair") != std::string::npos);
  }
  std::set<std::string> after;
  for (const auto& entry : std::filesystem::directory_iterator(cli.db)) {
    if (entry.path().extension() == ".sst") after.insert(entry.path().filename().string());
  }
  CHECK(after == tables);
  const RunResult repaired = cli({"repair"});
  INFO(repaired.out << repaired.err);
  CHECK(repaired.exit_code == 0);
  CHECK(repaired.out.find("moved to " + cli.db + "/lost: " + manifest) != std::string::npos);
  CHECK(repaired.out.find("3001 events, 3 executions") != std::string::npos);
  CHECK(repaired.out.ends_with("ok\n"));
  CHECK(cli({"query", "SELECT count(DISTINCT event_id) FROM events", "--format", "csv"}).out ==
        "count(DISTINCT event_id)\n3001\n");
  // A second repair finds nothing to do.
  const RunResult again = cli({"repair"});
  CHECK(again.exit_code == 0);
  CHECK(again.out.find("nothing was changed") != std::string::npos);
}

TEST_CASE("a MANIFEST cut short after a writer was killed: repair keeps the appends only its log held, whole",
          "[cli][process][damage]") {
  // With tables from an import beneath, or none at all (a new store).
  const bool imported = GENERATE(false, true);
  INFO("imported first: " << imported);
  Cli cli;
  if (imported) REQUIRE(cli({"import", "-"}, random_jsonl(34, 3000, 3)).exit_code == 0);
  append_then_kill(cli.db);
  std::string manifest;
  std::ifstream(std::filesystem::path(cli.db) / "CURRENT") >> manifest;
  const auto manifest_path = std::filesystem::path(cli.db) / manifest;
  std::filesystem::resize_file(manifest_path, std::filesystem::file_size(manifest_path) - 150);
  const RunResult repaired = cli({"repair"});
  INFO(repaired.out << repaired.err);
  REQUIRE(repaired.exit_code == 0);
  CHECK(repaired.out.find("and wrote again, each whole, the ") != std::string::npos);
  CHECK(repaired.out.find("warning") == std::string::npos);
  const uint64_t total = imported ? 3300 : 300;
  CHECK(repaired.out.find(fmt::format("{} events, {} executions", total, imported ? 6 : 3)) != std::string::npos);
  CHECK(repaired.out.ends_with("ok\n"));
  CHECK(cli({"query", "SELECT count(*), count(DISTINCT event_id) FROM events", "--format", "csv"}).out ==
        fmt::format("count(*),count(DISTINCT event_id)\n{},{}\n", total, total));
  // The summaries agree with the events: nothing counted twice.
  CHECK(cli({"query", "SELECT execution_id, event_count FROM executions WHERE execution_id LIKE 'run-%' ORDER BY 1",
             "--format", "csv"})
            .out == "execution_id,event_count\nrun-a,100\nrun-b,100\nrun-c,100\n");
  // The logs are kept as they were.
  size_t logs = 0;
  for (const auto& entry : std::filesystem::directory_iterator(std::filesystem::path(cli.db) / "lost")) {
    logs += entry.path().extension() == ".log";
  }
  CHECK(logs >= 1);
}

TEST_CASE("a damaged write-ahead log record: every command exits 2 naming file and byte, repair keeps every whole record",
          "[cli][process][damage]") {
  Cli cli;
  append_then_kill(cli.db);
  std::filesystem::path log;
  for (const auto& entry : std::filesystem::directory_iterator(cli.db)) {
    if (entry.path().extension() == ".log") log = entry.path();
  }
  REQUIRE(!log.empty());
  const auto size = std::filesystem::file_size(log);
  const auto read_all = [](const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  };
  std::string bytes = read_all(log);
  // The middle of the log: inside the second of its three appends.
  for (size_t i = size / 2; i < size / 2 + 8; ++i) bytes[i] = static_cast<char>(bytes[i] ^ 0x5A);
  std::ofstream(log, std::ios::binary | std::ios::trunc) << bytes;

  const std::string named = fmt::format("the write-ahead log {} ({} bytes) has a damaged record at byte ",
                                        log.filename().string(), size);
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"query", "SELECT count(*) FROM events"}, {"export"}, {"verify"}, {"import", "-"}}) {
    const RunResult r = cli(args, R"({"execution_id":"late","event_type":"t"})" "\n");
    INFO(args[0] << ": " << r.err);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find(named) != std::string::npos);
    CHECK(r.err.find("(its checksum does not match): the events written from there on cannot be read") !=
          std::string::npos);
    CHECK(r.err.find("`streamll repair` keeps every whole record, before the damage and after it") !=
          std::string::npos);
  }
  CHECK(read_all(log) == bytes);  // no command changed it (it was: import went on without the damage said)

  const RunResult repaired = cli({"repair"});
  INFO(repaired.out << repaired.err);
  CHECK(repaired.exit_code == 0);
  CHECK(repaired.out.find("damage: " + named) != std::string::npos);
  CHECK(repaired.out.find("moved to " + cli.db + "/lost: " + log.filename().string()) != std::string::npos);
  CHECK(repaired.out.find("(1 after it)") != std::string::npos);
  CHECK(repaired.out.find("200 events, 2 executions") != std::string::npos);
  CHECK(repaired.out.ends_with("ok\n"));
  CHECK(read_all(std::filesystem::path(cli.db) / "lost" / log.filename()) == bytes);  // kept as it was
  // The append the damage cut is lost; the one after it keeps its seqs.
  CHECK(cli({"query", "SELECT execution_id, count(*), min(seq), max(seq) FROM events GROUP BY 1", "--format", "csv"})
            .out == "execution_id,count(*),min(seq),max(seq)\nrun-a,100,1,100\nrun-c,100,201,300\n");
  CHECK(cli({"query", "SELECT execution_id, event_count FROM executions ORDER BY 1", "--format", "csv"}).out ==
        "execution_id,event_count\nrun-a,100\nrun-c,100\n");
  CHECK(cli({"repair"}).out.find("nothing was changed") != std::string::npos);
  REQUIRE(cli({"import", "-"}, random_jsonl(36, 5, 1)).exit_code == 0);
  CHECK(cli({"verify"}).exit_code == 0);
}

TEST_CASE("an import killed with SIGKILL leaves all of its events or none, and a sound store",
          "[cli][process][crash]") {
  Cli cli;
  REQUIRE(cli({"import", "-"}, random_jsonl(34, 10, 2)).exit_code == 0);
  const std::string file = cli.dir / "events.jsonl";
  std::ofstream(file) << random_jsonl(35, 30000, 50);
  std::mt19937 rng(35);
  std::set<std::string> outcomes;
  for (int trial = 0; trial < 6; ++trial) {
    {
      testing::Child import({testing::program("STREAMLL_CLI"), "--db", cli.db, "import", file});
      std::this_thread::sleep_for(std::chrono::milliseconds(std::uniform_int_distribution<int>(0, 1500)(rng)));
      import.kill();
      import.wait();
    }
    const RunResult counted = cli({"query", "SELECT count(*) FROM events", "--format", "csv"});
    INFO("trial " << trial << ": " << counted.out << counted.err);
    REQUIRE(counted.exit_code == 0);
    CHECK((counted.out == "count(*)\n10\n" || counted.out == "count(*)\n30010\n"));
    outcomes.insert(counted.out);
    CHECK(cli({"verify"}).exit_code == 0);
    if (counted.out != "count(*)\n10\n") {
      // Start again from the 10 events: a fresh store holding just them.
      std::filesystem::remove_all(cli.db);
      REQUIRE(cli({"import", "-"}, random_jsonl(34, 10, 2)).exit_code == 0);
    }
  }
  INFO(outcomes.size() << " kinds of outcome");
}

TEST_CASE("every command has --help", "[cli]") {
  Cli cli;
  for (const char* cmd :
       {"import", "ingest", "export", "executions", "show", "query", "tail", "replay", "verify", "repair"}) {
    const RunResult r = cli({cmd, "--help"});
    INFO(cmd);
    CHECK(r.exit_code == 0);
    CHECK(r.out.find("Usage:") != std::string::npos);
  }
}

TEST_CASE("STREAMLL_DB names the store when --db is not given", "[cli]") {
  TempDir dir;
  const std::string db = dir / "from-env";
  const std::string cli = testing::program("STREAMLL_CLI");
  REQUIRE(testing::run({cli, "import", "-"}, random_jsonl(26, 4, 1), {"STREAMLL_DB=" + db}).exit_code == 0);
  const RunResult r = testing::run({cli, "--db", db, "executions", "--format", "json"});
  REQUIRE(r.exit_code == 0);
  CHECK(Json::parse(r.out).size() == 1);
}

TEST_CASE("tail -f prints events as another process writes them", "[cli][process]") {
  Cli cli;
  REQUIRE(cli({"import", "-"}, random_jsonl(27, 5, 1)).exit_code == 0);
  testing::Child writer({testing::program("STREAMLL_TEST_WRITER"), cli.db});
  REQUIRE(writer.read_line() == "open");
  // -n 100 covers the whole log, so the live events print whether they land
  // before or after tail opens its view.
  testing::Child tail({testing::program("STREAMLL_CLI"), "--db", cli.db, "tail", "-f", "-n", "100", "--format",
                       "jsonl", "--execution", "live"});
  writer.write_line("append live 3");
  REQUIRE(writer.read_line() == "ok 8");
  for (int i = 0; i < 3; ++i) {
    Event e;
    const std::string line = tail.read_line();
    INFO(line);
    REQUIRE(event_from_json(line, &e).ok());
    CHECK(e.execution_id == "live");
  }
  tail.terminate();
  CHECK(tail.wait() == 0);
  writer.write_line("quit");
  CHECK(writer.wait() == 0);
}

TEST_CASE("types lists the event-type registry, filtered by prefix", "[cli]") {
  Cli cli;
  std::string jsonl;
  for (int i = 0; i < 4; ++i) {
    Event e;
    e.event_id = "t" + std::to_string(i);
    e.execution_id = "x";
    e.timestamp = 1'756'000'000'000'000'000 + i * 1'000'000;
    e.event_type = i < 3 ? "rag.retrieval.end" : "llm.call.start";
    e.data = Json::object({{"num_docs", i}});
    if (i == 1) e.data["score"] = 0.5;
    append_event_json(e, &jsonl);
    jsonl += '\n';
  }
  REQUIRE(cli({"import", "-"}, jsonl).exit_code == 0);
  const RunResult r = cli({"types", "--type", "rag.*", "--format", "json"});
  REQUIRE(r.exit_code == 0);
  const Json types = Json::parse(r.out);
  REQUIRE(types.size() == 1);
  CHECK(types[0]["event_type"] == "rag.retrieval.end");
  CHECK(types[0]["count"] == 3);
  CHECK(types[0]["first_seen"] == "2025-08-24T01:46:40.000000Z");
  CHECK(types[0]["last_seen"] == "2025-08-24T01:46:40.002000Z");
  CHECK(types[0]["data_keys"] == Json::array({"num_docs", "score"}));
  const RunResult table = cli({"types"});
  REQUIRE(table.exit_code == 0);
  CHECK(lines_of(table.out).size() == 3);
  CHECK(table.out.find("llm.call.start") != std::string::npos);
}

TEST_CASE("query runs SQL over the store in every output format", "[cli]") {
  Cli cli;
  REQUIRE(cli({"import", "-"}, random_jsonl(28, 30, 3)).exit_code == 0);
  const RunResult json = cli({"query", "SELECT count(*) AS n, sum(event_count) AS m FROM events, executions WHERE "
                                       "events.execution_id = executions.execution_id", "--format", "json"});
  REQUIRE(json.exit_code == 0);
  CHECK(Json::parse(json.out)[0]["n"] == 30);
  const RunResult csv = cli({"query", "-", "--format", "csv"}, "SELECT 'a,b' AS x, 2 AS y;");
  CHECK(csv.out == "x,y\n\"a,b\",2\n");
  const RunResult jsonl = cli({"query", "SELECT seq FROM events WHERE seq <= 2 ORDER BY seq", "--format", "jsonl"});
  CHECK(jsonl.out == "{\"seq\":1}\n{\"seq\":2}\n");
  const RunResult bad = cli({"query", "SELECT nope FROM events"});
  CHECK(bad.exit_code == 1);
  CHECK(bad.err.find("no such column: nope") != std::string::npos);
}

namespace {

// The lines of `jsonl` whose event belongs to `execution_id` and whose
// timestamp is in `range`, in the order given.
std::string lines_of_execution(const std::string& jsonl, const std::string& execution_id, TimeRange range = {}) {
  std::string out;
  for (const auto& line : lines_of(jsonl)) {
    Event e;
    REQUIRE(event_from_json(line, &e).ok());
    if (e.execution_id == execution_id && range.contains(e.timestamp)) out += line + "\n";
  }
  return out;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

TEST_CASE("replay --max --to jsonl gives back one execution's events in time order, as export does", "[cli]") {
  Cli cli;
  const std::string input = random_jsonl(29, 200, 4);  // in time order
  REQUIRE(cli({"import", "-"}, input).exit_code == 0);
  for (const std::string execution : {"exec0", "exec3"}) {
    INFO(execution);
    const RunResult replayed = cli({"replay", execution, "--max", "--to", "jsonl"});
    INFO(replayed.err);
    REQUIRE(replayed.exit_code == 0);
    CHECK_FALSE(replayed.out.empty());
    CHECK(replayed.out == lines_of_execution(input, execution));
    CHECK(replayed.out == cli({"export", "--execution", execution}).out);
  }

  SECTION("--since and --until replay a window") {
    std::vector<int64_t> ts;
    for (const auto& line : lines_of(input)) {
      Event e;
      REQUIRE(event_from_json(line, &e).ok());
      ts.push_back(e.timestamp);
    }
    const TimeRange window{ts[50], ts[150]};
    const RunResult replayed = cli({"replay", "exec1", "--max", "--to", "jsonl", "--since",
                                    format_timestamp(window.since), "--until", format_timestamp(window.until)});
    REQUIRE(replayed.exit_code == 0);
    CHECK_FALSE(replayed.out.empty());
    CHECK(replayed.out == lines_of_execution(input, "exec1", window));
  }

  SECTION("--to terminal (the default) prints a line per event") {
    const RunResult replayed = cli({"replay", "exec2", "--max"});
    REQUIRE(replayed.exit_code == 0);
    // Counted by their start (time, execution): the generated module names
    // hold raw newlines, which the terminal sink prints as they are.
    const std::regex event_line(R"(^\d\d:\d\d:\d\d\.\d{6} exec2 )");
    const auto lines = lines_of(replayed.out);
    CHECK(static_cast<size_t>(std::count_if(lines.begin(), lines.end(), [&](const std::string& line) {
            return std::regex_search(line, event_line);
          })) == lines_of(lines_of_execution(input, "exec2")).size());
  }

  SECTION("without --max the recorded timing is kept, scaled by --speed") {
    Event first, last;
    const auto expected = lines_of(lines_of_execution(input, "exec0"));
    REQUIRE(event_from_json(expected.front(), &first).ok());
    REQUIRE(event_from_json(expected.back(), &last).ok());
    const double recorded_s = static_cast<double>(last.timestamp - first.timestamp) / 1e9;
    REQUIRE(recorded_s > 0.1);
    const auto start = std::chrono::steady_clock::now();
    const RunResult replayed = cli({"replay", "exec0", "--speed", "2", "--to", "jsonl"});
    const double took = seconds_since(start);
    REQUIRE(replayed.exit_code == 0);
    CHECK(lines_of(replayed.out) == expected);
    CHECK(took >= recorded_s / 2);
  }
}

TEST_CASE("replay: exit 1 and a message for an unknown execution and bad options", "[cli]") {
  Cli cli;
  REQUIRE(cli({"import", "-"}, random_jsonl(30, 5, 1)).exit_code == 0);
  const RunResult unknown = cli({"replay", "nope", "--max"});
  CHECK(unknown.exit_code == 1);
  CHECK(unknown.err.find("no execution 'nope'") != std::string::npos);
  CHECK(unknown.out.empty());

  const RunResult bad_to = cli({"replay", "exec0", "--max", "--to", "xml"});
  CHECK(bad_to.exit_code == 1);
  CHECK(bad_to.err.find("--to xml") != std::string::npos);
  CHECK(bad_to.err.find("use terminal, jsonl or redis://host:port") != std::string::npos);
  CHECK(bad_to.out.empty());

  CHECK(cli({"replay", "exec0", "--speed", "0"}).exit_code == 1);
  CHECK(cli({"replay", "exec0", "--speed", "2", "--max"}).exit_code == 1);
  CHECK(cli({"replay", "exec0", "--since", "yesterday"}).exit_code == 1);
  CHECK(cli({"replay"}).exit_code == 1);
}

TEST_CASE("replay stops cleanly on SIGTERM, even in a long gap between events", "[cli][process]") {
  Cli cli;
  std::string jsonl;
  for (int i = 0; i < 2; ++i) {
    Event e;
    e.event_id = "slow" + std::to_string(i);
    e.execution_id = "slow";
    e.timestamp = 1'756'000'000'000'000'000 + i * 60'000'000'000LL;  // a minute apart
    e.event_type = "step";
    append_event_json(e, &jsonl);
    jsonl += '\n';
  }
  REQUIRE(cli({"import", "-"}, jsonl).exit_code == 0);
  testing::Child replay({testing::program("STREAMLL_CLI"), "--db", cli.db, "replay", "slow", "--to", "jsonl"});
  Event first;
  REQUIRE(event_from_json(replay.read_line(), &first).ok());
  CHECK(first.event_id == "slow0");
  const auto start = std::chrono::steady_clock::now();
  replay.terminate();
  CHECK(replay.read_line().empty());  // nothing more: the second event is not printed
  CHECK(replay.wait() == 0);
  CHECK(seconds_since(start) < 30);  // well before the minute's gap is over
}

namespace {

// An entry as a Python app wrote it through older upstream's RedisSink:
// XADD <stream> * event <json.dumps(event.model_dump(mode="json"))>, with
// Python's isoformat timestamps.
std::string xadd_upstream(redis::Connection& conn, const std::string& stream, int i) {
  const std::string json = fmt::format(
      R"({{"event_id": "py{:04}", "execution_id": "dspy-run-{}", "timestamp": "2025-09-17T16:22:{:02}.137000+00:00", )"
      R"("module_name": "RAG", "method_name": "forward", "event_type": "{}", "operation": null, )"
      R"("data": {{"i": {}}}, "tags": {{}}}})",
      i, i % 2, i % 60, i % 3 == 0 ? "llm.call.start" : "rag.retrieval.end", i);
  redis::Reply reply;
  REQUIRE(conn.command({"XADD", stream, "*", "event", json}, &reply).ok());
  return reply.str;
}

std::string xadd_raw(redis::Connection& conn, const std::string& stream, const std::string& field,
                     const std::string& value) {
  redis::Reply reply;
  REQUIRE(conn.command({"XADD", stream, "*", field, value}, &reply).ok());
  return reply.str;
}

std::set<std::string> exported_ids(const Cli& cli) {
  const RunResult exported = cli({"export"});
  INFO("export's stderr: " << exported.err);
  REQUIRE(exported.exit_code == 0);
  std::set<std::string> ids;
  for (const auto& line : lines_of(exported.out)) {
    Event e;
    REQUIRE(event_from_json(line, &e).ok());
    ids.insert(e.event_id);
  }
  return ids;
}

std::set<std::string> upstream_ids(int n) {
  std::set<std::string> ids;
  for (int i = 0; i < n; ++i) ids.insert(fmt::format("py{:04}", i));
  return ids;
}

}  // namespace

TEST_CASE("ingest stores what a Python app wrote to Redis, once, and reports bad entries", "[cli][redis]") {
  testing::RedisServer redis;
  auto conn = redis.connect();
  std::string bad_id;
  for (int i = 0; i < 30; ++i) {
    xadd_upstream(*conn, "dspy", i);
    if (i == 10) bad_id = xadd_raw(*conn, "dspy", "event", "{not json");
  }
  Cli cli;
  const std::vector<std::string> ingest = {"ingest", "--from", redis.url(), "--stream", "dspy", "--batch-size", "7"};
  const RunResult first = cli(ingest);
  INFO(first.err);
  REQUIRE(first.exit_code == 0);
  CHECK(first.err.find("ingested 30 events (0 duplicates, 1 malformed)") != std::string::npos);
  CHECK(first.err.find("skipped stream dspy, entry " + bad_id + ", field 'event': invalid JSON") != std::string::npos);
  CHECK(exported_ids(cli) == upstream_ids(30));

  // SQL over what came in; upstream's timestamps are stored as they were.
  const RunResult q = cli({"query",
                           "SELECT count(*) AS n, min(timestamp) AS first FROM events WHERE event_type LIKE 'rag.%'",
                           "--format", "json"});
  REQUIRE(q.exit_code == 0);
  const Json rows = Json::parse(q.out);
  CHECK(rows[0]["n"] == 20);
  CHECK(rows[0]["first"] == "2025-09-17T16:22:01.137000Z");
  const RunResult executions = cli({"executions", "--format", "json"});
  REQUIRE(executions.exit_code == 0);
  CHECK(Json::parse(executions.out).size() == 2);

  // Again: everything is a duplicate, nothing is stored twice.
  const RunResult again = cli(ingest);
  REQUIRE(again.exit_code == 0);
  CHECK(again.err.find("ingested 0 events (30 duplicates, 1 malformed)") != std::string::npos);
  CHECK(lines_of(cli({"export"}).out).size() == 30);
}

TEST_CASE("integers beyond 64 bits keep their digits from import through Redis to ingest", "[cli][redis]") {
  testing::RedisServer redis;
  const std::string big =
      R"({"event_id":"big1","execution_id":"x","timestamp":"2025-08-24T12:40:47.000000Z","module_name":"m",)"
      R"("method_name":"forward","event_type":"t","operation":null,"data":{"n":123456789012345678901234567890,)"
      R"("m":-98765432109876543210,"u":18446744073709551615,"f":1.5},"tags":{"k":"v"}})";
  Cli source;
  REQUIRE(source({"import", "-"}, big + "\n").exit_code == 0);
  // In a field of its own, which ingest is told (as the Redis target of both).
  REQUIRE(source({"replicate", "--to", redis.url(), "--stream", "big", "--field", "payload"}).exit_code == 0);
  Cli sink;
  const RunResult unread = sink({"ingest", "--from", redis.url(), "--stream", "big"});
  CHECK(unread.err.find("1 entry had no field this ingest reads (the first held: payload); if the events are in "
                        "another field, name it with --field") != std::string::npos);
  const RunResult ingested = sink({"ingest", "--from", redis.url(), "--stream", "big", "--field", "payload"});
  INFO(ingested.err);
  REQUIRE(ingested.exit_code == 0);
  // It was 1.2345678901234568e+29: the consumer built a Json tree of data.
  CHECK(sink({"export"}).out == big + "\n");
}

TEST_CASE("ingest --group reads on where the last run stopped", "[cli][redis]") {
  testing::RedisServer redis;
  auto conn = redis.connect();
  for (int i = 0; i < 25; ++i) xadd_upstream(*conn, "streamll_events", i);
  xadd_raw(*conn, "streamll_events", "message", R"({"execution_id":"x"})");
  Cli cli;
  const std::vector<std::string> ingest = {"ingest", "--from", redis.url(), "--group", "lake", "--consumer", "me"};
  const RunResult first = cli(ingest);
  INFO(first.err);
  REQUIRE(first.exit_code == 0);
  CHECK(first.err.find("ingested 25 events (0 duplicates, 1 malformed)") != std::string::npos);
  CHECK(first.err.find("field 'message': field 'event_type': is required") != std::string::npos);

  const RunResult second = cli(ingest);
  REQUIRE(second.exit_code == 0);
  CHECK(second.err.find("ingested 0 events (0 duplicates, 0 malformed)") != std::string::npos);
  redis::Reply reply;
  REQUIRE(conn->command({"XPENDING", "streamll_events", "lake"}, &reply).ok());
  CHECK(reply.elements[0].integer == 0);  // every entry acknowledged, the bad one too

  for (int i = 25; i < 30; ++i) xadd_upstream(*conn, "streamll_events", i);
  const RunResult third = cli(ingest);
  REQUIRE(third.exit_code == 0);
  CHECK(third.err.find("ingested 5 events (0 duplicates, 0 malformed)") != std::string::npos);
  CHECK(exported_ids(cli) == upstream_ids(30));
}

TEST_CASE("ingest: a bad URL is exit 1, an unreachable Redis exit 2, each with a message", "[cli][redis]") {
  Cli cli;
  const RunResult bad = cli({"ingest", "--from", "http://localhost:6379"});
  CHECK(bad.exit_code == 1);
  CHECK(bad.err.find("bad Redis URL 'http://localhost:6379'") != std::string::npos);
  const std::string url = "redis://127.0.0.1:" + std::to_string(testing::free_port());
  const RunResult down = cli({"ingest", "--from", url});
  CHECK(down.exit_code == 2);
  CHECK(down.err.find("cannot ingest stream streamll_events") != std::string::npos);
  CHECK(down.err.find("cannot connect") != std::string::npos);
  // The store it would have made is not left behind, empty (it was).
  CHECK(down.err.find("(" + cli.db + " was not created)") != std::string::npos);
  CHECK(!std::filesystem::exists(cli.db));
  // One that was there stays, with what it held.
  REQUIRE(cli({"import", "-"}, random_jsonl(37, 3, 1)).exit_code == 0);
  const RunResult kept = cli({"ingest", "--from", url});
  CHECK(kept.exit_code == 2);
  CHECK(kept.err.find("was not created") == std::string::npos);
  CHECK(cli({"query", "SELECT count(*) FROM events", "--format", "csv"}).out == "count(*)\n3\n");
  CHECK(cli({"ingest"}).exit_code == 1);  // --from is required
}

TEST_CASE("ingest --follow stores entries as they arrive and stops cleanly on SIGTERM", "[cli][redis][process]") {
  testing::RedisServer redis;
  auto conn = redis.connect();
  for (int i = 0; i < 5; ++i) xadd_upstream(*conn, "streamll_events", i);
  Cli cli;
  REQUIRE(cli({"import", "-"}, "").exit_code == 0);  // creates the store, so export works from the start
  testing::Child ingest({testing::program("STREAMLL_CLI"), "--db", cli.db, "ingest", "--from", redis.url(), "--group",
                         "g", "--follow"});
  const auto wait_for_ids = [&](int n) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (exported_ids(cli) != upstream_ids(n)) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return true;
  };
  CHECK(wait_for_ids(5));
  for (int i = 5; i < 12; ++i) xadd_upstream(*conn, "streamll_events", i);
  CHECK(wait_for_ids(12));
  ingest.terminate();
  CHECK(ingest.wait() == 0);
}

TEST_CASE("prune, backup and stats: retention from the command line, a verified copy, the store's figures",
          "[cli][prune]") {
  Cli cli;
  // exec0..exec9 in time order: exec-k's events are all before exec-(k+1)'s.
  std::string input;
  testing::EventGenerator gen(31);
  for (int i = 0; i < 500; ++i) {
    const int64_t ts = 1'756'000'000'000'000'000 + static_cast<int64_t>(i) * 1'000'000'000;
    append_event_json(gen.event("exec" + std::to_string(i / 50), ts), &input);
    input += '\n';
  }
  REQUIRE(cli({"import", "-"}, input).exit_code == 0);

  {
    // A writer in another process: prune cannot open the store, and says
    // how the writer prunes it instead.
    testing::Child writer({testing::program("STREAMLL_TEST_WRITER"), cli.db});
    REQUIRE(writer.read_line() == "open");
    const RunResult busy = cli({"prune", "--keep-executions", "4"});
    CHECK(busy.exit_code == 1);
    CHECK(busy.err.find("already open for writing by another process") != std::string::npos);
    CHECK(busy.err.find("streamll.init(retention=") != std::string::npos);
    writer.write_line("quit");
    CHECK(writer.wait() == 0);
  }

  const RunResult none = cli({"prune"});
  CHECK(none.exit_code == 1);
  CHECK(none.err.find("give at least one of --before, --keep-executions, --max-bytes") != std::string::npos);
  CHECK(cli({"prune", "--max-bytes", "10X"}).err.find("--max-bytes: '10X' is not a size") != std::string::npos);

  const RunResult dry = cli({"prune", "--keep-executions", "4", "--dry-run"});
  REQUIRE(dry.exit_code == 0);
  CHECK(dry.out.find("would prune 6 executions (300 events)") != std::string::npos);
  CHECK(lines_of(cli({"export"}).out).size() == 500);

  // 2025-08-24T01:46:40Z + 150 s: exec0..exec2 end before it.
  const RunResult pruned = cli({"prune", "--before", "2025-08-24T01:49:10Z"});
  INFO(pruned.err);
  REQUIRE(pruned.exit_code == 0);
  CHECK(pruned.out.find("pruned 3 executions (150 events)") != std::string::npos);
  CHECK(pruned.out.find("tables and memtables: ") != std::string::npos);
  CHECK(lines_of(cli({"export"}).out).size() == 350);
  CHECK(cli({"verify"}).exit_code == 0);

  const RunResult backed = cli({"backup", cli.dir / "copy"});
  INFO(backed.err);
  REQUIRE(backed.exit_code == 0);
  CHECK(backed.out.find("copied 350 events to ") != std::string::npos);
  CHECK(cli({"backup", cli.dir / "copy"}).exit_code == 1);
  const RunResult copy = testing::run({testing::program("STREAMLL_CLI"), "--db", cli.dir / "copy", "export"});
  CHECK(copy.out == cli({"export"}).out);

  const RunResult st = cli({"stats", "--format", "json"});
  REQUIRE(st.exit_code == 0);
  const Json j = Json::parse(st.out);
  CHECK(j["events"] == 350);
  CHECK(j["executions"] == 7);
  CHECK(j["last_seq"] == 500);
  CHECK(j["format_version"] == 5);
  CHECK(j["families"]["blocks"]["table_bytes"].get<uint64_t>() > 0);
  CHECK(cli({"stats"}).out.find("events       350 in 7 executions") != std::string::npos);
}

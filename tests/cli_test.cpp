// The streamll CLI end to end, as a user runs it: a real binary, a real store.
#include <chrono>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include <catch2/catch.hpp>

#include "streamll/event_json.hpp"
#include "streamll/store.hpp"
#include "streamll/timestamp.hpp"
#include "support/event_gen.hpp"
#include "support/process.hpp"
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

}  // namespace

TEST_CASE("import, executions, show and export give back every field unchanged", "[cli]") {
  Cli cli;
  const std::string input = random_jsonl(21, 400, 5);
  const RunResult imported = cli({"import", "-"}, input);
  INFO(imported.err);
  REQUIRE(imported.exit_code == 0);
  CHECK(imported.out.find("imported 400 events") != std::string::npos);

  const RunResult exported = cli({"export"});
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

TEST_CASE("export filters by execution, time and type prefix", "[cli]") {
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

TEST_CASE("every command has --help", "[cli]") {
  Cli cli;
  for (const char* cmd : {"import", "export", "executions", "show", "query", "tail", "replay"}) {
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
  CHECK(bad_to.err.find("terminal or jsonl") != std::string::npos);
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

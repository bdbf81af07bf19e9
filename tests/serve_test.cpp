// streamll serve: real HTTP requests to a server on a loopback port, over a
// live view of a store whose writer stays open beside it; and the span and
// comparison logic the pages draw.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <regex>
#include <sstream>
#include <thread>

#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <httplib.h>

#include "event/event_text.hpp"
#include "streamll/compare.hpp"
#include "streamll/serve.hpp"
#include "streamll/spans.hpp"
#include "support/open_store.hpp"
#include "support/temp_dir.hpp"
#include "support/wait_for.hpp"

using namespace streamll;
using streamll::testing::TempDir;

namespace {

constexpr int64_t kT0 = 1'764'000'000'000'000'000;  // 2025-11-24
constexpr int64_t kMs = 1'000'000;
const char* const kXss = "<script>alert(1)</script>";

Event event(const std::string& execution, int64_t ts, const std::string& type, Json data = Json::object(),
            const std::string& module = "RAGPipeline", std::optional<std::string> operation = std::nullopt) {
  Event e;
  e.event_id = fmt::format("{}-{}", execution.substr(0, 6), ts % 1'000'000'000);
  e.execution_id = execution;
  e.timestamp = ts;
  e.module_name = module;
  e.event_type = type;
  e.operation = std::move(operation);
  e.data = data.is_null() ? Json::object() : std::move(data);  // {} is null to nlohmann
  return e;
}

// run-ok: a forward span holding a retrieval span; run-err: a forward span
// that fails; run-xss: markup in its type and data; bulk-NNN: 120 one-event
// runs, older than the others, for paging.
std::vector<Event> known_events() {
  std::vector<Event> out;
  for (int i = 0; i < 120; ++i) {
    out.push_back(event(fmt::format("bulk-{:03}", i), kT0 + i * kMs, "llm.call", {{"i", i}}, "Bulk"));
  }
  const int64_t t = kT0 + 1000 * kMs;
  out.push_back(event("run-ok", t, "start", {{"inputs", {{"question", "why?"}}}}, "RAGPipeline", "forward"));
  out.push_back(event("run-ok", t + 1 * kMs, "rag.retrieval.start", {{"query", "why?"}}));
  out.push_back(event("run-ok", t + 3 * kMs, "rag.retrieval.end", {{"num_docs", 3}}));
  out.push_back(event("run-ok", t + 4 * kMs, "llm.token", {{"prompt_tokens", 10}, {"completion_tokens", 5}}));
  out.push_back(event("run-ok", t + 10 * kMs, "end", {{"duration_seconds", 0.010}}, "RAGPipeline", "forward"));
  out.push_back(event("run-err", t + 20 * kMs, "start", {}, "RAGPipeline", "forward"));
  out.push_back(event("run-err", t + 21 * kMs, "rag.retrieval.start", {{"query", "fail"}}));
  out.push_back(event("run-err", t + 25 * kMs, "error",
                      {{"duration_seconds", 0.005}, {"error_type", "TimeoutError"},
                       {"error_message", "no answer in 30 s"}, {"traceback", "Traceback: line 1"}},
                      "RAGPipeline", "forward"));
  out.push_back(event("run-xss", t + 30 * kMs, kXss, {{"html", "<img src=x onerror=alert(1)>"}}, "Evil"));
  return out;
}

// A store with known_events(), its writer kept open, a live view of it and
// a server on that view.
struct Fixture {
  TempDir dir;
  std::unique_ptr<Store> writer;
  std::unique_ptr<Store> view;
  std::unique_ptr<Server> server;

  explicit Fixture(ServeOptions options = {}) {
    writer = testing::open_store(dir / "db");
    const std::vector<Event> events = known_events();
    const Status appended = writer->append(events);
    INFO(appended.to_string());
    REQUIRE(appended.ok());
    StoreOptions read;
    read.mode = StoreOptions::Mode::kReadOnlyLive;
    view = testing::open_store(dir / "db", read);
    options.port = 0;
    const Status s = Server::start(*view, options, &server);
    INFO(s.to_string());
    REQUIRE(s.ok());
  }

  httplib::Client client() const {
    httplib::Client c("127.0.0.1", server->port());
    c.set_read_timeout(20, 0);
    return c;
  }

  // GET path; the status and body.
  std::pair<int, std::string> get(const std::string& path, const httplib::Headers& headers = {}) const {
    auto c = client();
    auto res = c.Get(path, headers);
    REQUIRE(res);
    return {res->status, res->body};
  }

  Json get_json(const std::string& path, int expect = 200) const {
    auto [status, body] = get(path);
    INFO(path << " -> " << status << " " << body);
    REQUIRE(status == expect);
    Json j = Json::parse(body, nullptr, false);
    REQUIRE(!j.is_discarded());
    return j;
  }
};

std::vector<std::string> ids(const Json& list) {
  std::vector<std::string> out;
  for (const auto& e : list["executions"]) out.push_back(e["execution_id"]);
  return out;
}

std::string encode(const std::string& s) { return httplib::detail::encode_query_param(s); }

}  // namespace

TEST_CASE("spans pair start and end events, nest, and close what an error unwinds") {
  std::vector<Event> events = {
      event("x", 1, "start", {}, "M", "forward"),  event("x", 2, "rag.retrieval.start"),
      event("x", 3, "llm.token"),                  event("x", 4, "rag.retrieval.complete"),
      event("x", 5, "gen.start"),                  event("x", 6, "error", {}, "M", "forward"),
      event("x", 7, "late.note"),                  event("x", 8, "tail.start"),
      event("x", 9, "tail.progress")};
  SpanBuilder spans;
  std::vector<int> depths;
  for (const Event& e : events) {
    std::string data, tags;
    spans.add(detail::view_with_text(e, &data, &tags));
    depths.push_back(spans.depth_of_last());
  }
  const auto& s = spans.spans();
  REQUIRE(s.size() == 4);
  CHECK(s[0].name == "forward");
  CHECK(s[0].status() == std::string("error"));
  CHECK(s[0].end_ts == 6);
  CHECK(s[1].name == "rag.retrieval");
  CHECK(*s[1].parent == 0);
  CHECK(s[1].depth == 1);
  CHECK(s[1].status() == std::string("ok"));
  CHECK(s[1].duration_ns() == 2);
  CHECK(s[2].name == "gen");
  CHECK(s[2].status() == std::string("open"));
  CHECK(s[2].end_ts == 6);  // ended with the span the error closed
  CHECK(s[3].name == "tail");
  CHECK(s[3].depth == 0);
  CHECK(s[3].end_ts == 9);  // still open: ends at the last event
  CHECK(spans.span_of_event() == std::vector<int64_t>{0, 1, 1, 1, 2, 0, -1, 3, 3});
  CHECK(depths == std::vector<int>{0, 1, 2, 1, 1, 0, 0, 0, 1});
}

TEST_CASE("compare_executions matches events by type, module and rank") {
  TempDir dir;
  auto store = testing::open_store(dir / "db");
  std::vector<Event> events = {
      event("a", kT0, "start", {}, "M", "forward"), event("a", kT0 + 1, "r.start"),
      event("a", kT0 + 5, "r.end", {{"docs", {1, 2}}, {"k", 3}}), event("a", kT0 + 9, "end", {}, "M", "forward"),
      event("b", kT0 + 100, "start", {}, "M", "forward"), event("b", kT0 + 101, "r.start"),
      event("b", kT0 + 111, "r.end", {{"docs", {1, 4, 5}}, {"k", 3}, {"new", true}}),
      event("b", kT0 + 112, "retry"), event("b", kT0 + 130, "error", {{"error_type", "X"}}, "M", "forward")};
  REQUIRE(store->append(events).ok());
  ExecutionComparison c;
  REQUIRE(compare_executions(*store, "a", "b", 100, &c).ok());
  CHECK(c.a.event_count == 4);
  CHECK(c.b.event_count == 5);
  std::map<std::string, std::pair<uint64_t, uint64_t>> types;
  for (const auto& t : c.types) types[t.event_type] = {t.a, t.b};
  CHECK(types["end"] == std::pair<uint64_t, uint64_t>{1, 0});
  CHECK(types["error"] == std::pair<uint64_t, uint64_t>{0, 1});
  CHECK(types["retry"] == std::pair<uint64_t, uint64_t>{0, 1});
  CHECK(types["r.start"] == std::pair<uint64_t, uint64_t>{1, 1});
  REQUIRE(c.spans.size() == 2);
  CHECK(c.spans[0].name == "forward");
  CHECK(*c.spans[0].a_ns == 9);
  CHECK(*c.spans[0].b_ns == 30);
  CHECK(c.spans[0].b_status == "error");
  CHECK(*c.spans[1].a_ns == 4);
  CHECK(*c.spans[1].b_ns == 10);
  std::map<std::string, std::string> data;
  for (const auto& d : c.data) {
    data[d.event_type + d.path] = (d.a ? d.a->dump() : "-") + " " + (d.b ? d.b->dump() : "-");
  }
  CHECK(data["r.end/docs/1"] == "2 4");
  CHECK(data["r.end/docs/2"] == "- 5");
  CHECK(data["r.end/new"] == "- true");
  CHECK(!data.contains("r.end/k"));
  CHECK(data["end"] == "{} -");
  CHECK(data["error"] == "- {\"error_type\":\"X\"}");
  CHECK(!c.data_truncated);

  ExecutionComparison few;
  REQUIRE(compare_executions(*store, "a", "b", 2, &few).ok());
  CHECK(few.data.size() == 2);
  CHECK(few.data_truncated);
  CHECK(compare_executions(*store, "a", "nope", 10, &few).is_not_found());
}

TEST_CASE("serve lists executions newest first, paged and filtered") {
  Fixture f;
  Json all = f.get_json("/api/executions");
  CHECK(all["total"] == 123);
  CHECK(all["executions"].size() == 50);
  CHECK(ids(all)[0] == "run-xss");
  CHECK(ids(all)[1] == "run-err");
  CHECK(ids(all)[2] == "run-ok");
  CHECK(ids(all)[3] == "bulk-119");
  const Json& ok = all["executions"][2];
  CHECK(ok["event_count"] == 5);
  CHECK(ok["error_count"] == 0);
  CHECK(ok["duration_ms"] == 10.0);
  CHECK(ok["tokens"]["prompt_tokens"] == 10.0);
  CHECK(ok["tokens"]["completion_tokens"] == 5.0);
  CHECK(all["executions"][1]["error_count"] == 1);

  // Paging: every execution exactly once over the pages.
  std::set<std::string> seen;
  for (int offset = 0; offset < 123; offset += 50) {
    for (const auto& id : ids(f.get_json(fmt::format("/api/executions?limit=50&offset={}", offset)))) {
      CHECK(seen.insert(id).second);
    }
  }
  CHECK(seen.size() == 123);
  CHECK(f.get_json("/api/executions?offset=500")["executions"].empty());
  CHECK(ids(f.get_json("/api/executions?limit=2&offset=3")) == std::vector<std::string>{"bulk-119", "bulk-118"});

  CHECK(ids(f.get_json("/api/executions?errors=1")) == std::vector<std::string>{"run-err"});
  CHECK(ids(f.get_json("/api/executions?type=rag.")) == std::vector<std::string>{"run-err", "run-ok"});
  CHECK(ids(f.get_json("/api/executions?type=rag.retrieval.end")) == std::vector<std::string>{"run-ok"});
  CHECK(ids(f.get_json("/api/executions?module=Evil")) == std::vector<std::string>{"run-xss"});
  CHECK(ids(f.get_json("/api/executions?q=TimeoutError")) == std::vector<std::string>{"run-err"});
  CHECK(ids(f.get_json("/api/executions?q=bulk-07"))  // an id's text
        == std::vector<std::string>{"bulk-079", "bulk-078", "bulk-077", "bulk-076", "bulk-075", "bulk-074",
                                    "bulk-073", "bulk-072", "bulk-071", "bulk-070"});
  // since/until bound the first event: in ns, or RFC 3339.
  CHECK(f.get_json(fmt::format("/api/executions?since={}", kT0 + 1000 * kMs))["total"] == 3);
  CHECK(f.get_json(fmt::format("/api/executions?until={}", kT0 + 10 * kMs))["total"] == 10);
  CHECK(f.get_json("/api/executions?since=2025-11-24T16:00:00.005Z&until=2025-11-24T16:00:00.007Z")["total"] == 2);
}

TEST_CASE("serve answers bad parameters and paths with 4xx and a message") {
  Fixture f;
  for (const char* path : {"/api/executions?limit=0", "/api/executions?limit=501", "/api/executions?limit=x",
                           "/api/executions?offset=-1", "/api/executions?since=yesterday",
                           "/api/executions/run-ok?limit=0", "/api/sql", "/api/sql?q=select+1&format=xml",
                           "/api/compare?a=run-ok", "/api/live?after=abc"}) {
    auto [status, body] = f.get(path);
    INFO(path << " -> " << body);
    CHECK(status == 400);
    const Json j = Json::parse(body, nullptr, false);
    REQUIRE(j.contains("error"));
    CHECK(!j["error"].get<std::string>().empty());
  }
  CHECK(f.get_json("/api/executions?since=yesterday", 400)["error"].get<std::string>().find("since") !=
        std::string::npos);
  for (const char* path : {"/api/executions/nope", "/api/events/nope", "/nope", "/api/nope",
                           "/api/compare?a=run-ok&b=nope"}) {
    INFO(path);
    CHECK(f.get(path).first == 404);
  }
  CHECK(f.get_json("/api/events/nope", 404)["error"] == "no event with id 'nope'");
}

TEST_CASE("serve shows one execution with its spans and events, paged") {
  Fixture f;
  Json ok = f.get_json("/api/executions/run-ok");
  CHECK(ok["execution"]["event_count"] == 5);
  CHECK(ok["total"] == 5);
  CHECK(ok["types"]["rag.retrieval.start"] == 1);
  REQUIRE(ok["spans"].size() == 2);
  CHECK(ok["spans"][0]["name"] == "forward");
  CHECK(ok["spans"][0]["status"] == "ok");
  CHECK(ok["spans"][0]["duration_ms"] == 10.0);
  CHECK(ok["spans"][1]["name"] == "rag.retrieval");
  CHECK(ok["spans"][1]["parent"] == 0);
  CHECK(ok["spans"][1]["depth"] == 1);
  CHECK(ok["spans"][1]["duration_ms"] == 2.0);
  REQUIRE(ok["events"].size() == 5);
  std::vector<int> span_of;
  for (const auto& e : ok["events"]) span_of.push_back(e["span"]);
  CHECK(span_of == std::vector<int>{0, 1, 1, 0, 0});
  CHECK(ok["events"][2]["data"]["num_docs"] == 3);
  CHECK(ok["events"][0]["operation"] == "forward");

  Json err = f.get_json("/api/executions/run-err");
  REQUIRE(err["spans"].size() == 2);
  CHECK(err["spans"][0]["status"] == "error");
  CHECK(err["spans"][0]["error"]["error_type"] == "TimeoutError");
  CHECK(err["spans"][0]["error"]["error_message"] == "no answer in 30 s");
  CHECK(err["spans"][0]["error"]["traceback"] == "Traceback: line 1");
  CHECK(err["spans"][1]["status"] == "open");

  Json page = f.get_json("/api/executions/run-ok?offset=1&limit=2");
  CHECK(page["total"] == 5);
  CHECK(page["spans"].size() == 2);  // spans always cover the whole execution
  REQUIRE(page["events"].size() == 2);
  CHECK(page["events"][0]["event_type"] == "rag.retrieval.start");
  CHECK(page["events"][1]["event_type"] == "rag.retrieval.end");

  const std::string id = ok["events"][2]["event_id"];
  Json one = f.get_json("/api/events/" + id);
  CHECK(one["event_type"] == "rag.retrieval.end");
  CHECK(one["execution_id"] == "run-ok");
  CHECK(one["ts_ns"] == kT0 + 1003 * kMs);
}

TEST_CASE("serve lists event types and stats, and compares two executions") {
  Fixture f;
  Json types = f.get_json("/api/event_types");
  REQUIRE(types["event_types"].size() == 8);
  CHECK(types["event_types"][0]["event_type"] == "llm.call");  // most frequent first
  CHECK(types["event_types"][0]["count"] == 120);
  CHECK(types["event_types"][0]["data_keys"] == Json::array({"i"}));

  Json stats = f.get_json("/api/stats");
  CHECK(stats["events"] == 129);
  CHECK(stats["executions"] == 123);
  CHECK(stats["path"] == f.dir / "db");

  Json diff = f.get_json("/api/compare?a=run-ok&b=run-err");
  CHECK(diff["a"]["execution_id"] == "run-ok");
  CHECK(diff["b"]["execution_id"] == "run-err");
  bool saw_error_type = false;
  for (const auto& t : diff["types"]) {
    if (t["event_type"] == "error") saw_error_type = t["a"] == 0 && t["b"] == 1;
  }
  CHECK(saw_error_type);
  CHECK(diff["spans"][0]["a_status"] == "ok");
  CHECK(diff["spans"][0]["b_status"] == "error");
}

TEST_CASE("serve runs read-only SQL with a time limit, as JSON or CSV") {
  ServeOptions options;
  options.query_time_limit = std::chrono::milliseconds(300);
  options.max_rows = 100;
  Fixture f(options);
  Json j = f.get_json("/api/sql?q=" + encode("SELECT event_type, count(*) AS n FROM events GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 2"));
  CHECK(j["columns"] == Json::array({"event_type", "n"}));
  CHECK(j["rows"] == Json::parse(R"([["llm.call",120],["rag.retrieval.start",2]])"));
  CHECK(j["truncated"] == false);

  j = f.get_json("/api/sql?q=" + encode("SELECT execution_id, error_count FROM executions WHERE error_count > 0"));
  CHECK(j["rows"] == Json::parse(R"([["run-err",1]])"));
  j = f.get_json("/api/sql?q=" + encode("SELECT count(*) FROM event_types"));
  CHECK(j["rows"][0][0] == 8);

  // More rows than max_rows: cut, and said so.
  j = f.get_json("/api/sql?q=" + encode("SELECT seq FROM events"));
  CHECK(j["rows"].size() == 100);
  CHECK(j["truncated"] == true);

  auto [status, csv] = f.get("/api/sql?format=csv&q=" + encode("SELECT execution_id, data->>'$.error_message' AS m FROM events WHERE event_type = 'error'"));
  CHECK(status == 200);
  CHECK(csv == "execution_id,m\r\nrun-err,no answer in 30 s\r\n");
  auto c = f.client();
  auto res = c.Get("/api/sql?download=1&format=csv&q=select+1");
  REQUIRE(res);
  CHECK(res->get_header_value("Content-Disposition").find("attachment") != std::string::npos);

  // Nothing but a single SELECT runs.
  for (const char* sql : {"ATTACH DATABASE '/tmp/x.db' AS x", "PRAGMA writable_schema = 1", "PRAGMA journal_mode",
                          "CREATE TABLE t(x)", "DROP TABLE events", "INSERT INTO events(event_type) VALUES ('x')",
                          "SELECT load_extension('/tmp/evil.so')", "SELECT 1; SELECT 2",
                          "CREATE VIRTUAL TABLE temp.e2 USING streamll_events('/tmp')", "VACUUM",
                          "SELECT * FROM sqlite_master; DELETE FROM events", "BEGIN"}) {
    INFO(sql);
    Json refused = f.get_json("/api/sql?q=" + encode(sql), 400);
    CHECK(!refused["error"].get<std::string>().empty());
  }
  CHECK(f.get_json("/api/sql?q=" + encode("SELEKT 1"), 400)["error"].get<std::string>().find("syntax") !=
        std::string::npos);

  // A runaway query stops at the time limit; the server goes on answering.
  Json slow = f.get_json("/api/sql?q=" + encode("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c"), 400);
  CHECK(slow["error"].get<std::string>().find("time limit") != std::string::npos);
  CHECK(f.get_json("/api/sql?q=select+1")["rows"][0][0] == 1);
}

TEST_CASE("serve returns event strings as data, never markup") {
  Fixture f;
  Json x = f.get_json("/api/executions/run-xss");
  CHECK(x["events"][0]["event_type"] == kXss);
  CHECK(x["events"][0]["data"]["html"] == "<img src=x onerror=alert(1)>");
  auto c = f.client();
  auto res = c.Get("/api/executions/run-xss");
  REQUIRE(res);
  CHECK(res->get_header_value("Content-Type") == "application/json");
  // The page itself is static: nothing from the store is in its HTML.
  auto page = c.Get("/");
  REQUIRE(page);
  CHECK(page->status == 200);
  CHECK(page->get_header_value("Content-Type").starts_with("text/html"));
  CHECK(page->body.find("<script src=\"/app.js\"></script>") != std::string::npos);
  CHECK(page->body.find("run-xss") == std::string::npos);
  for (const char* asset : {"/app.js", "/style.css", "/chart.min.js"}) {
    // Never compressed: brotli at httplib's quality took seconds per answer.
    auto a = c.Get(asset, {{"Accept-Encoding", "br, gzip, deflate"}});
    CHECK(a->get_header_value("Content-Encoding").empty());
    REQUIRE(a);
    CHECK(a->status == 200);
    CHECK(a->body.size() > 1000);
  }
}

TEST_CASE("serve needs the token when it has one, and a token off loopback") {
  ServeOptions options;
  options.token = "s3cret-token";
  Fixture f(options);
  CHECK(f.get("/api/stats").first == 401);
  CHECK(f.get("/").first == 401);
  CHECK(f.get("/metrics").first == 401);
  CHECK(f.get("/api/stats", {{"Authorization", "Bearer wrong-token!"}}).first == 401);
  CHECK(f.get("/api/stats", {{"Authorization", "Bearer s3cret-token"}}).first == 200);
  CHECK(f.get("/api/stats?token=nope").first == 401);

  auto c = f.client();
  auto res = c.Get("/?token=s3cret-token");
  REQUIRE(res);
  CHECK(res->status == 200);
  const std::string cookie = res->get_header_value("Set-Cookie");
  CHECK(cookie.starts_with("streamll_token=s3cret-token;"));
  CHECK(cookie.find("HttpOnly") != std::string::npos);
  CHECK(f.get("/api/stats", {{"Cookie", "other=1; streamll_token=s3cret-token"}}).first == 200);
  CHECK(f.get("/api/stats", {{"Cookie", "streamll_token=s3cret"}}).first == 401);

  ServeOptions open_bind;
  open_bind.bind = "0.0.0.0";
  open_bind.port = 0;
  std::unique_ptr<Server> server;
  const Status s = Server::start(*f.view, open_bind, &server);
  CHECK(s.code() == Status::Code::kInvalidArgument);
  CHECK(s.message().find("token") != std::string::npos);
  CHECK(server == nullptr);
}

TEST_CASE("serve pushes new events to live streams") {
  Fixture f;
  std::atomic<bool> saw{false};
  std::string received;
  std::thread reader([&] {
    auto c = f.client();
    c.Get("/api/live", [&](const char* data, size_t n) {
      received.append(data, n);
      if (received.find("\"execution_id\":\"run-live\"") != std::string::npos) saw = true;
      return !saw;
    });
  });
  // The stream starts at the store's end: what was there is not sent again.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const std::vector<Event> more = {event("run-live", kT0 + 5000 * kMs, "start", {}, "Live", "forward")};
  REQUIRE(f.writer->append(more).ok());
  CHECK(testing::wait_for([&] { return saw.load(); }));
  reader.join();
  CHECK(received.find("run-ok") == std::string::npos);
  CHECK(received.find("id: 130\n") != std::string::npos);  // the seq, for a reconnect's Last-Event-ID

  // after=SEQ replays from there; Last-Event-ID does the same for a reconnect.
  for (const httplib::Headers& headers : {httplib::Headers{}, httplib::Headers{{"Last-Event-ID", "128"}}}) {
    std::string got;
    auto c = f.client();
    c.Get(headers.empty() ? "/api/live?after=128" : "/api/live", headers, [&](const char* data, size_t n) {
      got.append(data, n);
      return got.find("run-live") == std::string::npos;
    });
    CHECK(got.find("run-xss") != std::string::npos);  // seq 129
    CHECK(got.find("run-live") != std::string::npos);  // seq 130
    CHECK(got.find("run-err") == std::string::npos);
  }
  // The executions list sees the new run at once.
  CHECK(ids(f.get_json("/api/executions?limit=1")) == std::vector<std::string>{"run-live"});
}

TEST_CASE("serve limits live streams and a slow client stalls no one") {
  ServeOptions options;
  options.max_live_clients = 1;
  Fixture f(options);
  std::atomic<bool> stop{false};
  std::atomic<bool> streaming{false};
  std::thread holder([&] {
    auto c = f.client();
    c.Get("/api/live", [&](const char*, size_t) {
      streaming = true;
      return !stop;
    });
  });
  REQUIRE(testing::wait_for([&] { return streaming.load(); }));
  CHECK(f.get("/api/live").first == 503);

  // A client that sends half a request and waits holds only its own thread.
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(f.server->port()));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  const char partial[] = "GET /api/stats HTTP/1.1\r\nHost: x\r\n";
  REQUIRE(write(fd, partial, sizeof partial - 1) > 0);
  for (int i = 0; i < 20; ++i) CHECK(f.get("/api/executions?limit=1").first == 200);
  close(fd);
  stop = true;
  holder.join();
  f.server->stop();  // with nothing open, stop returns; a second stop is harmless
  f.server->stop();
}

TEST_CASE("serve /metrics follows Prometheus' text format") {
  Fixture f;
  // The histogram is filled by a background pass over the log: wait for it.
  std::string text;
  CHECK(testing::wait_for([&] {
    auto [status, body] = f.get("/metrics");
    text = body;
    return status == 200 &&
           body.find("streamll_duration_seconds_count{module_name=\"RAGPipeline\",operation=\"forward\"} 2\n") !=
               std::string::npos;
  }));
  const std::regex sample(R"(^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="(\\.|[^"\\])*",?)*\})? (-?[0-9.eE+-]+|\+Inf|NaN)$)");
  const std::regex type_line(R"(^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$)");
  std::map<std::string, std::string> types;
  std::istringstream in(text);
  std::string line;
  double events_total = 0;
  std::map<std::string, std::vector<double>> buckets;  // by labels without le, in order
  std::map<std::string, double> counts;
  size_t samples = 0;
  while (std::getline(in, line)) {
    INFO(line);
    std::smatch m;
    if (line.starts_with("# HELP ")) continue;
    if (line.starts_with("#")) {
      REQUIRE(std::regex_match(line, m, type_line));
      CHECK(types.emplace(m[1], m[2]).second);  // one TYPE per family
      continue;
    }
    REQUIRE(std::regex_match(line, m, sample));
    ++samples;
    const std::string name = m[1];
    std::string family = name;
    for (const char* suffix : {"_bucket", "_sum", "_count"}) {
      if (name.ends_with(suffix) && types.contains(name.substr(0, name.size() - std::strlen(suffix)))) {
        family = name.substr(0, name.size() - std::strlen(suffix));
      }
    }
    CHECK(types.contains(family));  // a sample's TYPE comes before it
    const double value = std::stod(line.substr(line.rfind(' ') + 1));
    if (name == "streamll_events_total") events_total += value;
    if (name == "streamll_duration_seconds_bucket") {
      std::string labels = m[2];
      labels = std::regex_replace(labels, std::regex(R"(,?le="[^"]*")"), "");
      buckets[labels].push_back(value);
    }
    if (name == "streamll_duration_seconds_count") counts[m[2]] = value;
  }
  CHECK(samples > 10);
  CHECK(types["streamll_events_total"] == "counter");
  CHECK(types["streamll_duration_seconds"] == "histogram");
  CHECK(events_total == 129);
  CHECK(text.find("streamll_errors_total 1\n") != std::string::npos);
  CHECK(text.find("streamll_events_total{event_type=\"<script>alert(1)</script>\"} 1\n") != std::string::npos);
  REQUIRE(buckets.size() == 1);  // RAGPipeline/forward: one end and one error with duration_seconds
  for (const auto& [labels, values] : buckets) {
    CHECK(std::is_sorted(values.begin(), values.end()));  // cumulative
    CHECK(values.back() == 2);                            // +Inf counts them all
    CHECK(counts[labels] == 2);
    CHECK(labels == "{module_name=\"RAGPipeline\",operation=\"forward\"}");
  }
  CHECK(text.find("streamll_store_events 129\n") != std::string::npos);
}

TEST_CASE("serve refuses a port another server holds") {
  Fixture f;
  ServeOptions same;
  same.port = f.server->port();
  std::unique_ptr<Server> second;
  const Status s = Server::start(*f.view, same, &second);
  CHECK(s.code() == Status::Code::kIOError);
  CHECK(s.message().find(fmt::format("127.0.0.1:{}", same.port)) != std::string::npos);
  CHECK(f.get("/api/stats").first == 200);  // the first goes on
}

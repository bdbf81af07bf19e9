#include "streamll/event_json.hpp"
#include "streamll/timestamp.hpp"

#include <set>

#include <catch2/catch.hpp>

#include "support/event_gen.hpp"

using namespace streamll;

namespace {

Event decode_ok(const std::string& text) {
  Event e;
  const Status s = event_from_json(text, &e);
  INFO(text << " -> " << s.to_string());
  REQUIRE(s.ok());
  return e;
}

}  // namespace

TEST_CASE("an upstream line decodes field by field and encodes back byte for byte", "[json]") {
  const std::string line =
      R"({"event_id":"5YWPdyUhEMkO","execution_id":"b63930f602394d998a34611f56c418ad",)"
      R"("timestamp":"2025-08-24T08:36:15.350367Z","module_name":"unknown","method_name":"forward",)"
      R"("event_type":"start","operation":"module_forward","data":{"args":[5],"kwargs":{}},)"
      R"("tags":{"module_name":"SimpleModule"}})";
  const Event e = decode_ok(line);
  CHECK(e.event_id == "5YWPdyUhEMkO");
  CHECK(e.execution_id == "b63930f602394d998a34611f56c418ad");
  CHECK(e.timestamp == 1756024575350367000);
  CHECK(e.event_type == "start");
  CHECK(e.operation == std::optional<std::string>("module_forward"));
  CHECK(e.data["args"][0] == 5);
  CHECK(e.tags.at("module_name") == "SimpleModule");
  CHECK(event_to_json(e) == line);
}

TEST_CASE("random events survive encode then decode unchanged", "[json]") {
  testing::EventGenerator gen(7);
  for (int i = 0; i < 2000; ++i) {
    const Event e = gen.event();
    const std::string text = event_to_json(e);
    const Event back = decode_ok(text);
    INFO(text);
    CHECK(back == e);
    CHECK(event_to_json(back) == text);
  }
}

TEST_CASE("missing optional fields take upstream's defaults", "[json]") {
  const Event e = decode_ok(R"({"execution_id":"x","event_type":"t","timestamp":"2025-01-01T00:00:00Z"})");
  CHECK(e.module_name == "unknown");
  CHECK(e.method_name == "forward");
  CHECK_FALSE(e.operation.has_value());
  CHECK(e.data == Json::object());
  CHECK(e.tags.empty());
  CHECK(e.event_id.size() == 12);  // generated, as upstream's default_factory does

  const int64_t before = now_ns();
  const Event no_ts = decode_ok(R"({"execution_id":"x","event_type":"t"})");
  CHECK(no_ts.timestamp >= before);
  CHECK(no_ts.timestamp <= now_ns());

  CHECK_FALSE(decode_ok(R"({"execution_id":"x","event_type":"t","operation":null})").operation);
}

TEST_CASE("Python's str(datetime) form and \\u escapes with surrogate pairs decode", "[json]") {
  const Event e = decode_ok(
      R"({"execution_id":"x","event_type":"t","timestamp":"2025-09-17 16:22:32.137000+00:00",)"
      R"("data":{"s":"caf\u00e9 \ud83d\ude00"}})");
  CHECK(e.data["s"] == "café 😀");
  CHECK(format_timestamp(e.timestamp) == "2025-09-17T16:22:32.137000Z");
}

TEST_CASE("bad events are rejected with the field named", "[json]") {
  const std::pair<const char*, const char*> cases[] = {
      {R"(not json)", "invalid JSON"},
      {R"({"execution_id":"x","event_type":"t")", "invalid JSON"},
      {R"([1,2])", "expected a JSON object"},
      {R"({"event_type":"t"})", "field 'execution_id': is required"},
      {R"({"execution_id":"x"})", "field 'event_type': is required"},
      {R"({"execution_id":7,"event_type":"t"})", "field 'execution_id': must be a string"},
      {R"({"execution_id":"","event_type":"t"})", "field 'execution_id': must not be empty"},
      {R"({"execution_id":"x","event_type":""})", "field 'event_type': must not be empty"},
      {R"({"execution_id":"x","event_type":"t","event_id":null})", "field 'event_id'"},
      {R"({"execution_id":"x","event_type":"t","data":[1]})", "field 'data': must be an object"},
      {R"({"execution_id":"x","event_type":"t","data":"s"})", "field 'data': must be an object"},
      {R"({"execution_id":"x","event_type":"t","tags":{"a":1}})", "field 'tags.a': must be a string"},
      {R"({"execution_id":"x","event_type":"t","tags":[]})", "field 'tags': must be an object"},
      {R"({"execution_id":"x","event_type":"t","operation":3})", "field 'operation'"},
      {R"({"execution_id":"x","event_type":"t","module_name":null})", "field 'module_name'"},
      {R"({"execution_id":"x","event_type":"t","timestamp":12})", "field 'timestamp': must be a string"},
      {R"({"execution_id":"x","event_type":"t","timestamp":"2025-02-30T00:00:00Z"})",
       "field 'timestamp': invalid timestamp"},
      {R"({"execution_id":"a\u0000b","event_type":"t"})", "field 'execution_id': must not contain a NUL"},
      {"{\"execution_id\":\"\xff\",\"event_type\":\"t\"}", "invalid JSON"},
  };
  for (const auto& [text, why] : cases) {
    Event e;
    const Status s = event_from_json(text, &e);
    INFO(text << " -> " << s.to_string());
    CHECK(s.is_invalid_argument());
    CHECK(s.message().find(why) != std::string::npos);
  }
}

TEST_CASE("encoding never produces invalid JSON, even from invalid UTF-8", "[json]") {
  Event e;
  e.event_id = "id";
  e.execution_id = "ex\xff";
  e.event_type = "t\x01";
  e.data["k"] = std::string("v\xc3");
  const Event back = decode_ok(event_to_json(e));
  CHECK(back.execution_id == "ex\xEF\xBF\xBD");
  CHECK(back.event_type == "t\x01");
}

TEST_CASE("generated event ids are 12 URL-safe characters and distinct", "[json]") {
  std::set<std::string> seen;
  for (int i = 0; i < 100000; ++i) {
    const std::string id = generate_event_id();
    REQUIRE(id.size() == 12);
    REQUIRE(id.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-") ==
            std::string::npos);
    seen.insert(id);
  }
  CHECK(seen.size() == 100000);
}

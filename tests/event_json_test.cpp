#include "streamll/big_integer.hpp"
#include "streamll/event_json.hpp"
#include "streamll/timestamp.hpp"

#include <cmath>
#include <cstring>
#include <random>
#include <set>
#include <thread>

#include <catch2/catch.hpp>

#include <fmt/format.h>

#include "event/event_decoder.hpp"
#include "event/json_parse.hpp"
#include "event/json_writer.hpp"
#include "streamll/event_batch.hpp"
#include "streamll/type_pattern.hpp"
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

namespace {

bool is_utf8(const std::string& s) {
  try {
    (void)Json(s).dump();  // throws on bytes that are not UTF-8
    return true;
  } catch (const Json::exception&) {
    return false;
  }
}

Event valid_event() {
  Event e;
  e.event_id = "id1";
  e.execution_id = "run1";
  e.event_type = "rag.retrieval.end";
  e.data = {{"num_docs", 3}};
  return e;
}

// `depth` levels of nested arrays under data's key "x": data nests depth + 1.
Json nested_data(size_t depth) {
  Json inner = Json::array();
  for (size_t i = 1; i < depth; ++i) {
    Json outer = Json::array();
    outer.push_back(std::move(inner));
    inner = std::move(outer);
  }
  return Json::object({{"x", std::move(inner)}});
}

}  // namespace

TEST_CASE("validate_event: text that is not UTF-8 is rejected with the field named", "[json]") {
  // Stored as they are, such ids would be exported as U+FFFD: two events
  // "id\xff" and "id\xfe" would come back as one id, and one would be lost.
  const std::pair<void (*)(Event*), const char*> cases[] = {
      {[](Event* e) { e->event_id = "id\xff"; }, "field 'event_id': not valid UTF-8 (byte 0xFF at offset 2)"},
      {[](Event* e) { e->execution_id = "\xc3("; }, "field 'execution_id': not valid UTF-8 (byte 0xC3 at offset 0)"},
      {[](Event* e) { e->event_type = "t\xed\xa0\x80"; }, "field 'event_type': not valid UTF-8"},  // a surrogate
      {[](Event* e) { e->module_name = "m\xc0\xaf"; }, "field 'module_name': not valid UTF-8"},   // overlong
      {[](Event* e) { e->method_name = "f\xf4\x90\x80\x80"; }, "field 'method_name'"},  // above U+10FFFF
      {[](Event* e) { e->operation = "op\xe2\x82"; }, "field 'operation'"},              // cut short
      {[](Event* e) { e->tags["env\xff"] = "x"; }, "field 'tags': key \"env\xEF\xBF\xBD\" is not valid UTF-8"},
      {[](Event* e) { e->tags["env"] = "pr\xff"; }, "field 'tags.env': not valid UTF-8"},
      {[](Event* e) { e->data = {{"a", {{"k\xff", 1}}}}; }, "field 'data': key \"k\xEF\xBF\xBD\" is not valid UTF-8"},
  };
  for (const auto& [spoil, why] : cases) {
    Event e = valid_event();
    spoil(&e);
    const Status s = validate_event(e);
    INFO(s.to_string());
    CHECK(s.is_invalid_argument());
    CHECK(s.message().find(why) != std::string::npos);
    CHECK(is_utf8(s.message()));
  }

  SECTION("valid UTF-8 of every length passes, and so do bytes that are not UTF-8 in data's string values") {
    Event e = valid_event();
    e.execution_id = "r\xc3\xa9sum\xc3\xa9 \xe2\x82\xac \xf0\x9f\x99\x82 long enough to take the 8-byte path";
    e.tags["caf\xc3\xa9"] = "\xe2\x9c\x93";
    e.data["text"] = std::string("cut mid-character \xe2\x82");
    CHECK(validate_event(e).ok());
    CHECK(decode_ok(event_to_json(e)).data["text"] == "cut mid-character \xEF\xBF\xBD");
  }
}

TEST_CASE("validate_event: data nested too deep is rejected, not a stack overflow when stored", "[json]") {
  Event e = valid_event();
  e.data = nested_data(998);  // 999 levels with data: the deepest accepted
  REQUIRE(validate_event(e).ok());
  const std::string text = event_to_json(e);
  CHECK(decode_ok(text).data == e.data);  // what is accepted reads back

  e.data = nested_data(999);
  CHECK(validate_event(e).message() == "field 'data': nested deeper than 999 levels");
  e.data = nested_data(200000);  // would overflow the stack of dump()
  CHECK(validate_event(e).message() == "field 'data': nested deeper than 999 levels");

  SECTION("wide data with many nested containers is walked too") {
    e.data = Json::object();
    for (int i = 0; i < 100; ++i) e.data["k" + std::to_string(i)] = {{"a", Json::array({1, Json::object()})}};
    CHECK(validate_event(e).ok());
    e.data["k50"]["a"][1]["bad\xff"] = 1;
    CHECK(validate_event(e).message().find("field 'data': key \"bad") != std::string::npos);
  }
}

TEST_CASE("error messages quote at most a short, valid UTF-8 excerpt of a huge value", "[json]") {
  const std::string huge(1 << 20, 'x');
  const std::string cases[] = {
      R"({"execution_id":"x","event_type":"t","data":{"s":")" + huge,                                // no closing quote
      R"({"execution_id":"x","event_type":"t","timestamp":"2025-08-24T12:40:47Z)" + huge + R"("})",  // trailing garbage
      R"({"execution_id":"x","event_type":"t","tags":{")" + huge + R"(":1}})",                          // a huge tag name
      "{\"execution_id\":\"x\",\"event_type\":\"t\",\"data\":{\"s\":\"caf\xe9\"}}",              // not UTF-8
  };
  for (const auto& text : cases) {
    Event e;
    const Status s = event_from_json(text, &e);
    INFO(s.message().substr(0, 300));
    CHECK(s.is_invalid_argument());
    CHECK(s.message().size() < 400);
    CHECK(is_utf8(s.message()));
  }
  Event e;
  CHECK(event_from_json(cases[0], &e).message().find("missing closing quote; last read: '\"xxx") != std::string::npos);
  CHECK(event_from_json(cases[0], &e).message().find(" bytes)'") != std::string::npos);
  CHECK(event_from_json(cases[1], &e).message().find("field 'timestamp': invalid timestamp \"2025-08-24T12:40:47Zxxx") !=
        std::string::npos);
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

TEST_CASE("event ids made by threads at once are distinct, and each thread's increase", "[json]") {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 50000;
  std::vector<std::vector<std::string>> made(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&made, t] {
      made[t].reserve(kPerThread);
      for (int i = 0; i < kPerThread; ++i) made[t].push_back(generate_event_id());
    });
  }
  for (std::thread& th : threads) th.join();
  std::set<std::string> seen;
  for (const auto& ids : made) {
    CHECK(std::is_sorted(ids.begin(), ids.end()));
    CHECK(std::adjacent_find(ids.begin(), ids.end()) == ids.end());
    seen.insert(ids.begin(), ids.end());
  }
  CHECK(seen.size() == static_cast<size_t>(kThreads) * kPerThread);
}

namespace {

// A random JSON value of every kind nlohmann can hold after a parse or a
// build: strings with escapes, non-ASCII, cut and broken UTF-8; integers at
// both ends of int64 and uint64; doubles of every magnitude, negative zero,
// NaN and infinity.
Json random_json(std::mt19937_64& rng, int depth) {
  std::uniform_int_distribution<int> kind(0, depth > 3 ? 6 : 8);
  switch (kind(rng)) {
    case 0: return nullptr;
    case 1: return rng() % 2 == 0;
    case 2: return static_cast<int64_t>(rng());
    case 3: return static_cast<uint64_t>(rng());
    case 4: {
      static const double kSpecial[] = {0.0, -0.0, 1.0, 0.1, 1e15, 1e16, 1e-5, 1e-4, 123456789.125,
                                        5e-324, 1.7976931348623157e308, std::nan(""), INFINITY, -INFINITY};
      if (rng() % 3 == 0) return kSpecial[rng() % std::size(kSpecial)];
      double d;
      const uint64_t bits = rng();
      std::memcpy(&d, &bits, sizeof d);
      return d;
    }
    case 5:
    case 6: {
      static const char kBytes[] = {'a', '"', '\\', '\n', '\x01', '\x1f', '\x7f', '\xc3', '\xa9', '\xe2', '\x82',
                                    '\xac', '\xf0', '\x9f', '\x98', '\x80', '\xff', '\xc0', '\xed', '\xa0', '\xf4'};
      std::string s;
      for (size_t n = rng() % 12; n > 0; --n) s.push_back(kBytes[rng() % sizeof kBytes]);
      return s;
    }
    case 7: {
      Json a = Json::array();
      for (size_t n = rng() % 4; n > 0; --n) a.push_back(random_json(rng, depth + 1));
      return a;
    }
    default: {
      Json o = Json::object();
      for (size_t n = rng() % 4; n > 0; --n) o["k" + std::to_string(rng() % 100)] = random_json(rng, depth + 1);
      return o;
    }
  }
}

}  // namespace

TEST_CASE("the direct JSON writer gives nlohmann's dump byte for byte", "[json]") {
  std::mt19937_64 rng(20261202);
  for (int i = 0; i < 20000; ++i) {
    const Json value = random_json(rng, 0);
    std::string direct;
    detail::append_json(value, &direct);
    const std::string dumped = value.dump(-1, ' ', false, Json::error_handler_t::replace);
    INFO("case " << i);
    REQUIRE(direct == dumped);
  }
}

namespace {

// Random JSON text (not a Json: keys repeat, numbers come in every
// spelling); *big is set when it holds an integer beyond 64 bits.
std::string random_json_text(std::mt19937_64& rng, int depth, bool* big) {
  static const char* kNumbers[] = {"0", "-0", "1.50", "1e2", "-1E-2", "0.0", "123", "-9223372036854775808",
                                   "18446744073709551615", "3.141592653589793"};
  static const char* kBig[] = {"18446744073709551616", "123456789012345678901234567890", "-9223372036854775809"};
  static const char* kStrings[] = {R"("")", R"("a")", R"("\u00e9\n\"")", R"("\ud83d\ude00")", R"("x\\y")"};
  switch (rng() % (depth > 3 ? 4 : 6)) {
    case 0: return rng() % 2 == 0 ? "null" : "true";
    case 1: return kNumbers[rng() % std::size(kNumbers)];
    case 2:
      if (rng() % 4 != 0) return kStrings[rng() % std::size(kStrings)];
      *big = true;
      return kBig[rng() % std::size(kBig)];
    case 3: return kStrings[rng() % std::size(kStrings)];
    case 4: {
      std::string a = "[";
      for (size_t n = rng() % 4; n > 0; --n) a += random_json_text(rng, depth + 1, big) + (n > 1 ? "," : "");
      return a + "]";
    }
    default: {
      // Now and then wider than the decoder's linear search of keys.
      const size_t members = rng() % 8 == 0 ? 40 + rng() % 40 : rng() % 5;
      const size_t pool = rng() % 2 == 0 ? 4 : 1000;
      std::string o = "{";
      for (size_t n = 0; n < members; ++n) {
        if (n > 0) o += rng() % 2 == 0 ? "," : " , ";
        o += "\"k" + std::to_string(rng() % pool) + "\":" + random_json_text(rng, depth + 1, big);
      }
      return o + "}";
    }
  }
}

}  // namespace

TEST_CASE("the decoder keeps data as a Json tree would, and integers beyond 64 bits exact", "[json][decoder]") {
  std::mt19937_64 rng(20261203);
  for (int i = 0; i < 5000; ++i) {
    bool big = false;
    std::string data = "{";
    for (size_t n = rng() % 6; n > 0; --n) {
      data += "\"k" + std::to_string(rng() % 5) + "\":" + random_json_text(rng, 1, &big) + (n > 1 ? "," : "");
    }
    data += "}";
    INFO("case " << i << ": " << data);
    const Json tree = Json::parse(data);  // the oracle: nlohmann's own tree
    std::string expected;
    detail::append_json(tree, &expected);

    detail::DecodedEvent decoded;
    REQUIRE(detail::decode_event_json(R"({"execution_id":"x","event_type":"t","data":)" + data + "}", &decoded).ok());
    if (!big) {
      REQUIRE(decoded.data_json == expected);
    } else {
      // Only the spelling of the big integers differs: read as a tree, the same.
      std::string reread;
      detail::append_json(Json::parse(decoded.data_json), &reread);
      REQUIRE(reread == expected);
    }
    // The linear tree builder gives nlohmann's tree, member order included,
    // but for integers beyond 64 bits, which it keeps as big integers: its
    // tree writes the decoder's text either way.
    Json built;
    REQUIRE(detail::parse_json(data, &built).ok());
    if (!big) REQUIRE(built == tree);
    std::string rewritten;
    detail::append_json(built, &rewritten);
    REQUIRE(rewritten == decoded.data_json);
  }

  Event e = decode_ok(R"({"execution_id":"x","event_type":"t","data":{"n":123456789012345678901234567890,)"
                      R"("m":-98765432109876543210,"u":18446744073709551615,"f":1.50,"e":1e2}})");
  detail::DecodedEvent decoded;
  REQUIRE(detail::decode_event_json(R"({"execution_id":"x","event_type":"t","data":{"n":123456789012345678901234567890,)"
                                    R"("m":-98765432109876543210,"u":18446744073709551615,"f":1.50,"e":1e2}})",
                                    &decoded)
              .ok());
  CHECK(decoded.data_json ==
        R"({"n":123456789012345678901234567890,"m":-98765432109876543210,"u":18446744073709551615,"f":1.5,"e":100.0})");
  // As a tree (an Event), big integers (big_integer.hpp): nothing rounded.
  CHECK(big_integer_digits(e.data["n"]) == "123456789012345678901234567890");
  CHECK(big_integer_digits(e.data["m"]) == "-98765432109876543210");
  CHECK(e.data["u"] == Json(uint64_t{18446744073709551615u}));
  CHECK(e.data["f"] == Json(1.5));
  Event copy = e;
  std::string text;
  append_event_json(copy, &text);
  CHECK(text.find(R"("data":{"n":123456789012345678901234567890,"m":-98765432109876543210,)") != std::string::npos);

  // Duplicate tags keep their last value; a wrong type replaced later is fine.
  REQUIRE(detail::decode_event_json(R"({"execution_id":"x","event_type":"t","tags":{"b":"1","a":2,"b":"3","a":"4"}})",
                                    &decoded)
              .ok());
  CHECK(decoded.tags_json == R"({"a":"4","b":"3"})");
  Event bad;
  const Status s = event_from_json(R"({"execution_id":"x","event_type":"t","tags":{"a":"1","a":[2]}})", &bad);
  CHECK(s.message() == "field 'tags.a': must be a string, not array");
  // A syntax error anywhere wins over a field error before it.
  CHECK(event_from_json(R"({"execution_id":7,"event_type":"t",})", &bad).message().starts_with("invalid JSON"));
  for (const char* root : {R"("s")", "1", "null", "[]", "true"}) {
    INFO(root);
    CHECK(event_from_json(root, &bad).message().starts_with("expected a JSON object, not "));
  }
}

TEST_CASE("an object of 100,000 distinct keys decodes and reads back whole", "[json][decoder]") {
  std::string data = "{";
  for (int i = 0; i < 100000; ++i) data += fmt::format("{}\"k{}\":{}", i > 0 ? "," : "", i, i);
  data += "}";
  detail::DecodedEvent decoded;
  REQUIRE(detail::decode_event_json(R"({"execution_id":"x","event_type":"t","data":)" + data + "}", &decoded).ok());
  CHECK(decoded.data_json == data);
  Event e;
  REQUIRE(to_event(decoded.view(), &e).ok());
  REQUIRE(e.data.size() == 100000);
  CHECK(e.data["k99999"] == 99999);
  CHECK(e.data.begin().key() == "k0");
}

TEST_CASE("an EventBatch encodes each event once into views that outlive growth, moves and the source", "[json][batch]") {
  testing::EventGenerator gen(11);
  std::vector<Event> events;
  for (int i = 0; i < 3000; ++i) events.push_back(gen.event());
  // One event whose data alone is larger than a chunk of the batch's text.
  Event big = gen.event();
  big.data["blob"] = std::string(200 * 1024, 'x');
  events.insert(events.begin() + 1500, big);

  EventBatch batch;
  for (const Event& e : events) batch.add(e);
  const EventBatch moved = std::move(batch);
  REQUIRE(moved.size() == events.size());
  for (size_t i = 0; i < events.size(); ++i) {
    const EventView& v = moved.views()[i];
    CHECK(v.seq == 0);
    std::string data;
    detail::append_json(events[i].data, &data);
    CHECK(v.data_json == data);  // the store's writer, byte for byte
    Event back;
    REQUIRE(to_event(v, &back).ok());
    CHECK(back == events[i]);
  }

  // add(view) copies every field: the views stay whole after their source,
  // and a batch reused after clear() holds only what was added since.
  EventBatch copies;
  copies.add(Event{});  // dropped by clear() below
  copies.clear();
  {
    EventBatch source;
    for (size_t i = 0; i < 50; ++i) source.add(events[i]);
    for (const EventView& v : source.views()) copies.add(v);
  }
  REQUIRE(copies.size() == 50);
  for (size_t i = 0; i < 50; ++i) {
    Event back;
    REQUIRE(to_event(copies.views()[i], &back).ok());
    CHECK(back == events[i]);
  }
}

TEST_CASE("type patterns: one grammar of exact types and prefixes", "[json][type]") {
  CHECK(TypePattern().matches_all());
  CHECK(TypePattern("").matches_all());
  CHECK(TypePattern("*").matches_all());
  CHECK(TypePattern("*").matches("anything"));
  CHECK(TypePattern("rag.*").matches("rag.retrieval.start"));
  CHECK(TypePattern("rag.").matches("rag.retrieval.start"));
  CHECK(TypePattern("rag.*") == TypePattern("rag."));
  CHECK_FALSE(TypePattern("rag.*").matches("ragtime"));
  CHECK(TypePattern("rag*").matches("ragtime"));  // '*' makes any prefix
  // No '*' and no trailing '.': exactly that type.
  CHECK(TypePattern("rag").matches("rag"));
  CHECK_FALSE(TypePattern("rag").matches("rag.retrieval.start"));
  CHECK_FALSE(TypePattern("rag").is_prefix());
  CHECK_FALSE(TypePattern("rag.retrieval.start").matches("rag.retrieval.start.x"));
  CHECK(TypePattern("rag.retrieval.*").text() == "rag.retrieval.");
}

TEST_CASE("json_integer: a number within 64 bits, a big integer beyond, refused when not an integer", "[json]") {
  Json v;
  REQUIRE(json_integer("0", &v).ok());
  CHECK(v == Json(0));
  REQUIRE(json_integer("-9223372036854775808", &v).ok());
  CHECK(v == Json(INT64_MIN));
  CHECK(v.is_number_integer());
  REQUIRE(json_integer("9223372036854775807", &v).ok());
  CHECK((v.is_number_integer() && !v.is_number_unsigned()));
  REQUIRE(json_integer("18446744073709551615", &v).ok());
  CHECK(v.is_number_unsigned());
  for (const char* big : {"18446744073709551616", "-9223372036854775809", "123456789012345678901234567890"}) {
    INFO(big);
    REQUIRE(json_integer(big, &v).ok());
    CHECK(big_integer_digits(v) == big);
    std::string text;
    detail::append_json(Json{{"n", v}}, &text);
    CHECK(text == fmt::format(R"({{"n":{}}})", big));
    // And back: the parse keeps the digits.
    Json parsed;
    REQUIRE(detail::parse_json(text, &parsed).ok());
    CHECK(parsed["n"] == v);
  }
  for (const char* bad : {"", "-", "01", "-01", "1.5", "1e3", " 1", "12a", "+1"}) {
    INFO(bad);
    v = "kept";
    const Status st = json_integer(bad, &v);
    CHECK(st.is_invalid_argument());
    CHECK(st.message().find("is not an integer") != std::string::npos);
    CHECK(v == Json("kept"));
  }
  CHECK(big_integer_digits(Json(5)) == std::nullopt);
  CHECK(big_integer_digits(Json::binary({1, 2, 3})) == std::nullopt);
}

TEST_CASE("validate_event refuses a binary value in data but a big integer", "[json]") {
  Event e;
  e.event_id = "id";
  e.execution_id = "x";
  e.event_type = "t";
  REQUIRE(json_integer("123456789012345678901234567890", &e.data["n"]).ok());
  e.data["list"] = Json::array({Json(1)});
  REQUIRE(json_integer("-123456789012345678901234567890", &e.data["list"][0]).ok());
  CHECK(validate_event(e).ok());
  e.data["raw"] = Json::binary({0x41, 0x42});
  Status st = validate_event(e);
  CHECK(st.message() == "field 'data': key \"raw\" is a binary value, which JSON has no form for "
                        "(only big integers, big_integer.hpp)");
  e.data.erase("raw");
  // Digits that are not an integer would write text that is not JSON.
  e.data["list"].push_back(Json::binary({'1', 'x'}, kBigIntegerSubtype));
  st = validate_event(e);
  CHECK(st.message().starts_with("field 'data': an array item is a binary value"));
}

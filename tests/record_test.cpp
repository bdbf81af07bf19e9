#include "event/record.hpp"

#include <catch2/catch.hpp>

#include "event/event_text.hpp"
#include "support/event_gen.hpp"

using namespace streamll;

TEST_CASE("records round trip every field, and the envelope needs no JSON", "[record]") {
  testing::EventGenerator gen(11);
  for (int i = 0; i < 2000; ++i) {
    const Event e = gen.event();
    std::string data, tags, bytes;
    EventView v = detail::view_with_text(e, &data, &tags);
    v.seq = 1000 + static_cast<uint64_t>(i);
    record::encode(v, &bytes);

    EventView back;
    REQUIRE(record::decode(bytes, &back).ok());
    CHECK(back.seq == v.seq);
    CHECK(back.event_id == e.event_id);
    CHECK(back.execution_id == e.execution_id);
    CHECK(back.timestamp == e.timestamp);
    CHECK(back.event_type == e.event_type);
    CHECK(back.data_json == data);
    Event full;
    REQUIRE(to_event(back, &full).ok());
    CHECK(full == e);
  }
}

TEST_CASE("truncated or altered records are corruption, never a crash", "[record]") {
  testing::EventGenerator gen(12);
  std::string data, tags, bytes;
  const Event e = gen.event();
  record::encode(detail::view_with_text(e, &data, &tags), &bytes);
  for (size_t cut = 0; cut < bytes.size(); ++cut) {
    EventView v;
    const Status s = record::decode(std::string_view(bytes).substr(0, cut), &v);
    INFO("cut at " << cut << ": " << s.to_string());
    CHECK(s.is_corruption());
    CHECK(s.message().find("record field") != std::string::npos);
  }
  std::string bad_version = bytes;
  bad_version[0] = 9;
  EventView v;
  CHECK(record::decode(bad_version, &v).message().find("version") != std::string::npos);
  CHECK(record::decode(bytes + "x", &v).message().find("trailing") != std::string::npos);
}

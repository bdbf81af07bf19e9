// Random events for property tests: every field exercised, including
// non-ASCII text, escapes, nested data, absent and present operations.
#pragma once

#include <cstdint>
#include <random>
#include <string>

#include "streamll/event.hpp"

namespace streamll::testing {

class EventGenerator {
 public:
  explicit EventGenerator(uint64_t seed) : rng_(seed) {}

  std::string text(size_t max_len) {
    static const char* const kPieces[] = {"a", "Z", "9", "_", "-", " ", ".", "\"", "\\", "\n",
                                          "\t", "\x01", "é", "日本", "😀", "/", "{", "}"};
    std::string s;
    const size_t n = pick(max_len + 1);
    for (size_t i = 0; i < n; ++i) s += kPieces[pick(std::size(kPieces))];
    return s;
  }

  std::string id(size_t len) {
    static constexpr char kAlphabet[] = "abcdef0123456789";
    std::string s(len, 'a');
    for (auto& c : s) c = kAlphabet[pick(16)];
    return s;
  }

  Json value(int depth) {
    switch (pick(depth > 0 ? 8 : 6)) {
      case 0: return nullptr;
      case 1: return pick(2) == 1;
      case 2: return static_cast<int64_t>(rng_()) >> pick(64);
      case 3: return std::ldexp(static_cast<double>(rng_() % 1000000) / 7.0, static_cast<int>(pick(40)) - 20);
      case 4:
      case 5: return text(12);
      case 6: {
        Json arr = Json::array();
        for (size_t i = pick(4); i > 0; --i) arr.push_back(value(depth - 1));
        return arr;
      }
      default: return object(depth - 1);
    }
  }

  Json object(int depth) {
    Json obj = Json::object();
    for (size_t i = pick(5); i > 0; --i) obj[text(8) + std::to_string(i)] = value(depth);
    return obj;
  }

  Event event(std::string execution_id, int64_t ts) {
    Event e;
    e.event_id = generate_event_id();
    e.execution_id = std::move(execution_id);
    e.timestamp = ts;
    e.module_name = pick(3) == 0 ? "unknown" : "Module" + text(6);
    e.method_name = pick(3) == 0 ? "forward" : text(6) + "m";
    static const char* const kTypes[] = {"start", "end", "error", "rag.retrieval.start",
                                         "rag.retrieval.end", "llm.call.error", "token"};
    e.event_type = kTypes[pick(std::size(kTypes))];
    if (pick(2) == 1) e.operation = text(10);
    e.data = object(2);
    for (size_t i = pick(3); i > 0; --i) e.tags[text(5) + "k"] = text(7);
    return e;
  }

  Event event() {
    const int64_t base = 1'756'000'000'000'000'000;  // 2025-08-24
    return event(id(32), base + static_cast<int64_t>(pick(1'000'000'000)) * 1000);
  }

  size_t pick(size_t n) { return n == 0 ? 0 : std::uniform_int_distribution<size_t>(0, n - 1)(rng_); }

 private:
  std::mt19937_64 rng_;
};

}  // namespace streamll::testing

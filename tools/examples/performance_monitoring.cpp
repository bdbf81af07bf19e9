// Performance monitoring: a model-serving loop that records latency, token
// throughput and cache behaviour as events, then a summary event with
// percentiles: the numbers a dashboard would query with SQL.
#include <algorithm>
#include <cstdio>
#include <vector>

#include "example.hpp"

int main(int argc, char** argv) {
  return example::run(argc, argv, [] {
    streamll::ExecutionScope run;
    std::printf("%s\n", run.execution_id().c_str());
    std::vector<double> latencies_ms;
    int cache_hits = 0;
    for (int request = 0; request < 12; ++request) {
      const bool cached = request % 4 == 3;
      const auto started = std::chrono::steady_clock::now();
      if (cached) {
        ++cache_hits;
        streamll::emit("cache.hit", {{"key", "prompt-" + std::to_string(request % 3)}, {"size", 1024}}, "LLMCache");
        example::work(2);
      } else {
        streamll::emit("cache.miss", {{"key", "prompt-" + std::to_string(request)}}, "LLMCache");
        example::work(25 + 5 * (request % 5));
      }
      const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
      latencies_ms.push_back(ms);
      const int tokens = cached ? 0 : 80 + 10 * request;
      streamll::emit("perf.request", {{"request", request},
                                      {"latency_ms", ms},
                                      {"completion_tokens", tokens},
                                      {"tokens_per_s", ms > 0 ? tokens / (ms / 1000) : 0.0},
                                      {"cached", cached}},
                     "ModelServer");
      if (ms > 40) streamll::emit("perf.slow_request", {{"request", request}, {"latency_ms", ms}}, "ModelServer");
    }
    std::sort(latencies_ms.begin(), latencies_ms.end());
    const auto pct = [&](double p) { return latencies_ms[static_cast<size_t>(p * (latencies_ms.size() - 1))]; };
    streamll::emit("perf.summary", {{"requests", latencies_ms.size()},
                                    {"p50_ms", pct(0.5)},
                                    {"p95_ms", pct(0.95)},
                                    {"cache_hit_rate", static_cast<double>(cache_hits) / latencies_ms.size()}},
                   "ModelServer");
  });
}

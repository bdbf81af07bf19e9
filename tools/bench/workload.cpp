#include "workload.hpp"

#include <random>
#include <string>
#include <string_view>

#include <fmt/format.h>

namespace streamll::bench {

void add_workload_options(CLI::App& cmd, Workload* workload) {
  cmd.add_option("--events", workload->events, "Number of events")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd.add_option("--seed", workload->seed, "Seed of the event generator")->capture_default_str();
}

namespace {

// 2025-08-24T12:00:00Z
constexpr int64_t kStartNs = 1'756'036'800'000'000'000;

constexpr std::string_view kWords[] = {
    "vector",  "index",   "retrieval", "embedding", "latency", "query",  "token",   "context",
    "window",  "rerank",  "chunk",     "document",  "passage", "answer", "model",   "prompt",
    "cache",   "shard",   "score",     "recall",    "policy",  "refund", "invoice", "customer",
    "billing", "account", "password",  "reset",     "shipping", "order", "warranty", "support",
};

// The steps of one pipeline run, repeated until the execution has its events.
struct Step {
  const char* type;
  const char* module;
  const char* operation;
};
constexpr Step kSteps[] = {
    {"rag.retrieval.start", "retriever", "retrieve"},
    {"rag.retrieval.end", "retriever", "retrieve"},
    {"llm.call.start", "generator", "generate"},
    {"llm.call.end", "generator", "generate"},
};

class Generator {
 public:
  explicit Generator(uint64_t seed) : rng_(seed) {}

  // Uniform in [0, n); the modulo bias is irrelevant for these small n.
  uint64_t below(uint64_t n) { return rng_() % n; }

  // Like upstream's nanoid(size=12): 12 random characters of its alphabet
  // (what an import of upstream's events brings; the runtime's own ids are
  // time-ordered, see generate_event_id()).
  std::string id() {
    static constexpr char kAlphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
    std::string out(12, '\0');
    for (char& c : out) c = kAlphabet[below(64)];
    return out;
  }

  std::string words(size_t n) {
    std::string out;
    for (size_t i = 0; i < n; ++i) {
      if (i > 0) out.push_back(' ');
      out.append(kWords[below(std::size(kWords))]);
    }
    return out;
  }

  // About 300 bytes once dumped: a query, the retrieved passages, numbers.
  Json data() {
    Json d = Json::object();
    d["query"] = words(10 + below(5));
    Json docs = Json::array();
    for (int i = 0; i < 3; ++i) docs.push_back(fmt::format("doc-{:05}: {}", below(100000), words(4)));
    d["docs"] = std::move(docs);
    d["top_k"] = 3;
    d["score"] = static_cast<double>(below(1000)) / 1000;
    d["latency_ms"] = static_cast<double>(below(100000)) / 10;
    d["tokens"] = below(4096);
    return d;
  }

 private:
  std::mt19937_64 rng_;
};

}  // namespace

std::vector<Event> make_events(const Workload& workload) {
  Generator gen(workload.seed);
  struct Running {
    std::string execution_id;
    size_t step = 0;
  };
  std::vector<Running> running(workload.concurrent_executions);
  for (Running& r : running) r.execution_id = gen.id();

  std::vector<Event> events(workload.events);
  int64_t ts = kStartNs;
  for (Event& e : events) {
    const size_t slot = gen.below(running.size());
    Running& run = running[slot];
    const Step& step = kSteps[run.step % std::size(kSteps)];
    ts += static_cast<int64_t>(1 + gen.below(2000)) * 1000;
    e.event_id = gen.id();
    e.execution_id = run.execution_id;
    e.timestamp = ts;
    e.module_name = step.module;
    e.event_type = step.type;
    // One LLM call in a hundred fails, so that error counts are not all zero.
    if (e.event_type == "llm.call.end" && gen.below(100) == 0) e.event_type = "llm.call.error";
    e.operation = step.operation;
    e.data = gen.data();
    e.tags = {{"env", "bench"}, {"host", fmt::format("worker-{:02}", slot)}};
    if (++run.step == workload.events_per_execution) run = Running{gen.id(), 0};
  }
  return events;
}

}  // namespace streamll::bench

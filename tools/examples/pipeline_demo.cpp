// Records a small simulated RAG pipeline run into a local store, the way an
// application would: one execution per question, with retrieval and
// generation steps, and one failing run. No network; the steps are simulated.
//
// usage: pipeline_demo [STORE]   (default: $STREAMLL_DB, else ./streamll.db)
// Prints the execution ids it recorded, one a line.
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "streamll/store.hpp"
#include "streamll/timestamp.hpp"

using streamll::Event;
using streamll::Json;

namespace {

// Builds one execution's events with simulated timings.
class Run {
 public:
  Run(std::string execution_id, int64_t start) : execution_id_(std::move(execution_id)), now_(start) {}

  void event(const std::string& type, const std::string& module, Json data,
             std::optional<std::string> operation = std::nullopt, int64_t after_ms = 0) {
    now_ += after_ms * 1'000'000;
    Event e;
    e.event_id = streamll::generate_event_id();
    e.execution_id = execution_id_;
    e.timestamp = now_;
    e.module_name = module;
    e.event_type = type;
    e.operation = std::move(operation);
    e.data = std::move(data);
    e.tags = {{"pipeline", "rag-demo"}, {"env", "local"}};
    events_.push_back(std::move(e));
  }

  const std::vector<Event>& events() const { return events_; }
  int64_t now() const { return now_; }

 private:
  std::string execution_id_;
  int64_t now_;
  std::vector<Event> events_;
};

std::string new_execution_id() {
  // 32 hex characters, like DSPy's call ids.
  static std::mt19937_64 rng{std::random_device{}()};
  return fmt::format("{:016x}{:016x}", rng(), rng());
}

Run simulate(const std::string& question, int64_t start, bool fail) {
  Run run(new_execution_id(), start);
  run.event("start", "RAGPipeline", {{"question", question}}, "rag_pipeline");
  run.event("rag.retrieval.start", "Retriever", {{"query", question}, {"k", 3}}, std::nullopt, 2);
  const Json docs = Json::array({"streamll_overview.md", "dspy_integration.md", "production_patterns.md"});
  run.event("rag.retrieval.end", "Retriever", {{"num_docs", 3}, {"docs", docs}, {"duration_ms", 38}},
            std::nullopt, 38);
  run.event("llm.generation.start", "Generator", {{"model", "local-sim-7b"}, {"prompt_tokens", 412}},
            std::nullopt, 1);
  if (fail) {
    run.event("llm.generation.error", "Generator",
              {{"error_type", "TimeoutError"}, {"error_message", "model did not answer in 2 s"}},
              std::nullopt, 2000);
    run.event("error", "RAGPipeline",
              {{"error_type", "TimeoutError"}, {"error_message", "generation failed"}}, "rag_pipeline", 1);
    return run;
  }
  for (int t = 0; t < 3; ++t) {
    run.event("llm.token", "Generator", {{"token", std::string("tok") + char('A' + t)}, {"index", t}},
              std::nullopt, 15);
  }
  run.event("llm.generation.end", "Generator", {{"completion_tokens", 96}, {"duration_ms", 640}},
            std::nullopt, 595);
  run.event("end", "RAGPipeline", {{"answer_chars", 318}}, "rag_pipeline", 1);
  return run;
}

}  // namespace

int main(int argc, char** argv) {
  const char* env = std::getenv("STREAMLL_DB");
  const std::string path = argc > 1 ? argv[1] : env != nullptr ? env : "streamll.db";
  std::unique_ptr<streamll::Store> store;
  if (auto s = streamll::Store::open(path, {}, &store); !s.ok()) {
    fmt::print(stderr, "pipeline_demo: {}\n", s.message());
    return 1;
  }
  const std::vector<std::string> questions = {
      "What is streamll?", "How do I instrument a DSPy module?", "Why did my retrieval return nothing?"};
  int64_t start = streamll::event_now();
  for (size_t i = 0; i < questions.size(); ++i) {
    const Run run = simulate(questions[i], start, i == 2);
    if (auto s = store->append(run.events()); !s.ok()) {
      fmt::print(stderr, "pipeline_demo: {}\n", s.message());
      return 2;
    }
    fmt::print("{}\n", run.events().front().execution_id);
    start = run.now() + 50'000'000;
  }
  return 0;
}

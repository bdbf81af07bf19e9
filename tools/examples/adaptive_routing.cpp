// Adaptive routing: each query is scored for complexity and routed to a
// small or a large model; the routing decision, the model's answer and a
// fallback when the small model is not confident are events, so the routing
// policy can be evaluated afterwards with SQL.
#include <cstdio>
#include <string>
#include <vector>

#include "example.hpp"

namespace {

double complexity_of(const std::string& query) {
  // Longer, multi-part questions score higher.
  double score = static_cast<double>(query.size()) / 80.0;
  for (char c : query) score += (c == ',' || c == '?') ? 0.15 : 0.0;
  return score > 1.0 ? 1.0 : score;
}

double answer_with(const std::string& model, const std::string& query) {
  auto scope = streamll::trace("answer", model, {{"query_chars", query.size()}});
  const bool large = model == "large-sim-70b";
  example::work(large ? 80 : 20);
  const double confidence = large ? 0.93 : 1.0 - complexity_of(query) * 0.6;
  scope.emit("llm.answer", {{"confidence", confidence}, {"cost_usd", large ? 0.012 : 0.0008}});
  return confidence;
}

}  // namespace

int main(int argc, char** argv) {
  return example::run(argc, argv, [] {
    const std::vector<std::string> queries = {
        "What is 2+2?", "Summarize the tradeoffs of RocksDB compaction styles, with examples?",
        "Translate 'hello' to French", "Compare three retrieval strategies, their costs, and when each fails?"};
    for (const auto& query : queries) {
      streamll::ExecutionScope run;
      std::printf("%s\n", run.execution_id().c_str());
      const double complexity = complexity_of(query);
      const std::string model = complexity > 0.6 ? "large-sim-70b" : "small-sim-7b";
      streamll::emit("routing.decision", {{"query", query}, {"complexity", complexity}, {"model", model}}, "Router");
      const double confidence = answer_with(model, query);
      if (confidence < 0.7) {
        streamll::emit("routing.fallback", {{"from", model}, {"to", "large-sim-70b"}, {"confidence", confidence}},
                       "Router");
        answer_with("large-sim-70b", query);
      }
    }
  });
}

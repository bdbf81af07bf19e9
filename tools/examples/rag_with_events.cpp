// A retrieval-augmented generation pipeline with the seed's custom events
// (rag.retrieval.start, rag.retrieval.complete, rag.reranking,
// rag.generation.start): each question is one execution; retrieval and
// generation are instrumented scopes with events inside them; the last
// question fails in generation.
#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

#include "example.hpp"

namespace {

struct Document {
  std::string id;
  double score;
};

std::vector<Document> retrieve(const std::string& question) {
  auto scope = streamll::trace("retrieve", "Retriever", {{"k", 3}});
  scope.emit("rag.retrieval.start", {{"query", question}});
  example::work(30);
  std::vector<Document> docs = {{"streamll_overview.md", 0.91}, {"dspy_integration.md", 0.84},
                                {"production_patterns.md", 0.62}};
  streamll::Json doc_ids = streamll::Json::array();
  for (const auto& d : docs) doc_ids.push_back(d.id);
  scope.emit("rag.retrieval.complete", {{"query", question}, {"num_docs", docs.size()}, {"doc_ids", doc_ids}});
  return docs;
}

std::vector<Document> rerank(std::vector<Document> docs) {
  streamll::emit("rag.reranking", {{"num_docs", docs.size()}}, "Reranker");
  example::work(10);
  docs.pop_back();  // keep the best two
  return docs;
}

std::string generate(const std::string& question, const std::vector<Document>& docs, bool times_out) {
  auto scope = streamll::trace("generate", "Generator", {{"model", "local-sim-7b"}});
  return scope.run([&] {
    scope.emit("rag.generation.start", {{"context_size", 800 * docs.size()}, {"prompt_tokens", 120 + 90 * docs.size()}});
    example::work(60);
    if (times_out) throw std::runtime_error("model did not answer within 2 s");
    for (int i = 0; i < 3; ++i) {
      example::work(10);
      scope.emit("generation.token", {{"index", i}, {"token", std::string("tok") + char('A' + i)}});
    }
    scope.emit("generation.complete", {{"completion_tokens", 96}});
    return "An answer to: " + question;
  });
}

}  // namespace

int main(int argc, char** argv) {
  return example::run(argc, argv, [] {
    const std::vector<std::string> questions = {"What is streamll?", "How do I instrument a DSPy module?",
                                                "Why did my retrieval return nothing?"};
    for (size_t i = 0; i < questions.size(); ++i) {
      streamll::ExecutionScope run;  // one execution per question
      std::printf("%s\n", run.execution_id().c_str());
      streamll::set_context("pipeline", "rag-demo");
      try {
        auto scope = streamll::trace("rag_pipeline", "RAGPipeline", {{"question", questions[i]}});
        scope.run([&] { return generate(questions[i], rerank(retrieve(questions[i])), i == 2); });
      } catch (const std::exception& e) {
        streamll::emit("rag.answer.fallback", {{"reason", e.what()}}, "RAGPipeline");
      }
      streamll::clear_context();
    }
  });
}

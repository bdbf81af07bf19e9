// A multi-stage document pipeline: extract, chunk, embed (in worker threads
// that adopt the execution context), and summarize, each an instrumented
// scope; a flaky stage fails once and is retried, and the retry is visible.
#include <cstdio>
#include <stdexcept>
#include <thread>
#include <vector>

#include "example.hpp"

namespace {

int embed_attempts = 0;

void embed_chunk(int chunk) {
  auto scope = streamll::trace("embed", "Embedder", {{"chunk", chunk}});
  example::work(8);
  scope.emit("embedding.done", {{"dimensions", 384}});
}

}  // namespace

int main(int argc, char** argv) {
  return example::run(argc, argv, [] {
    streamll::ExecutionScope run;
    std::printf("%s\n", run.execution_id().c_str());
    auto pipeline = streamll::trace("ingest_documents", "DocumentPipeline", {{"documents", 2}});

    auto extract = streamll::instrument("extract", "Extractor", [](int pages) {
      example::work(15);
      return pages * 1800;  // characters
    });
    const int characters = extract(4);

    const int chunks = characters / 1000;
    {
      auto scope = streamll::trace("chunk", "Chunker", {{"characters", characters}});
      example::work(5);
      scope.emit("chunking.done", {{"chunks", chunks}, {"overlap", 100}});
    }

    // Embeddings in parallel: each worker adopts the execution context.
    const streamll::Context context = streamll::capture_context();
    std::vector<std::thread> workers;
    for (int c = 0; c < chunks; ++c) {
      workers.emplace_back([c, context] {
        streamll::ContextScope adopt(context);
        embed_chunk(c);
      });
    }
    for (auto& w : workers) w.join();

    auto summarize = streamll::instrument("summarize", "Summarizer", [] {
      example::work(20);
      if (++embed_attempts == 1) throw std::runtime_error("rate limited (429)");
      return 240;  // summary tokens
    });
    for (int attempt = 1;; ++attempt) {
      try {
        const int tokens = summarize();
        pipeline.emit("pipeline.summary", {{"tokens", tokens}, {"attempts", attempt}});
        break;
      } catch (const std::exception& e) {
        pipeline.emit("pipeline.retry", {{"stage", "summarize"}, {"attempt", attempt}, {"reason", e.what()}});
      }
    }
  });
}

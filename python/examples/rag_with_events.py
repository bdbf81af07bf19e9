"""The seed's RAG pipeline (use case 1), with simulated retrieval and
generation: each run is one execution holding the module's start/end (or
error) and the rag.* events emitted inside forward(). The third question
fails in generation. Then reads the runs back from the store and prints
each execution id with its events.
Run: python3 rag_with_events.py [STORE]"""

from datetime import datetime, UTC

import streamll
from streamll import emit_event
from streamll.core.events import StreamllEvent, generate_event_id, get_execution_id

from simulated import Module, generate, rerank, retrieve, start_store


@streamll.instrument
class RAGPipeline(Module):
    def retrieve(self, question):
        return retrieve(question)

    def rerank(self, docs):
        return rerank(docs)

    def generate(self, context, question):
        return generate(context, question)

    def forward(self, question):
        # Retrieval start
        emit_event(StreamllEvent(
            event_id=generate_event_id(),
            execution_id=get_execution_id(),
            timestamp=datetime.now(UTC),
            event_type="rag.retrieval.start",
            module_name=self.__class__.__name__,
            method_name="forward",
            data={"query": question}
        ))

        docs = self.retrieve(question)

        # Retrieval complete
        emit_event(StreamllEvent(
            event_id=generate_event_id(),
            execution_id=get_execution_id(),
            timestamp=datetime.now(UTC),
            event_type="rag.retrieval.complete",
            module_name=self.__class__.__name__,
            method_name="forward",
            data={
                "query": question,
                "num_docs": len(docs),
                "doc_ids": [doc.id for doc in docs]
            }
        ))

        # Reranking
        emit_event(StreamllEvent(
            event_id=generate_event_id(),
            execution_id=get_execution_id(),
            timestamp=datetime.now(UTC),
            event_type="rag.reranking",
            module_name=self.__class__.__name__,
            method_name="forward",
            data={"num_docs": len(docs)}
        ))

        reranked = self.rerank(docs)

        # Generation
        emit_event(StreamllEvent(
            event_id=generate_event_id(),
            execution_id=get_execution_id(),
            timestamp=datetime.now(UTC),
            event_type="rag.generation.start",
            module_name=self.__class__.__name__,
            method_name="forward",
            data={"context_size": sum(len(d.text) for d in reranked)}
        ))

        return self.generate(context=reranked, question=question)


if __name__ == "__main__":
    began = datetime.now(UTC)
    store_path = start_store()
    pipeline = RAGPipeline()
    for question in ["What is DSPy?", "How does retrieval work?", "Why does this fail?"]:
        try:
            pipeline(question=question)
        except TimeoutError as e:
            print(f"run failed as simulated: {e}")
    streamll.flush()

    # Read back what these runs recorded, in-process: one execution per call.
    with streamll.Store(store_path) as store:
        runs = sorted((r for r in store.executions() if r.started_at >= began), key=lambda r: r.started_at)
        for run in runs:
            types = [e.event_type for e in store.events(execution_id=run.execution_id)]
            print(f"{run.execution_id}  {run.event_count} events, {run.error_count} errors: {' '.join(types)}")

"""@streamll.instrument: the seed's pipelines (a class whose forward emits
custom events), nesting, errors, async forward, and misuse."""

from __future__ import annotations

import asyncio
import datetime as dt
from types import SimpleNamespace

import pytest

import streamll
from streamll import emit_event
from streamll.core.events import StreamllEvent, generate_event_id, get_execution_id

UTC = dt.timezone.utc


def stored(path, **filters) -> list[StreamllEvent]:
    with streamll.Store(path) as store:
        return [e for e in store.events(**filters) if e.event_type != "streamll.stats"]


class Module:
    """What a dspy.Module is for these tests: a base class (dspy is not
    installed here; instrument does not need it)."""

    def __call__(self, *args, **kwargs):
        return self.forward(*args, **kwargs)


def seed_emit(module, event_type, data):
    emit_event(StreamllEvent(
        event_id=generate_event_id(),
        execution_id=get_execution_id(),
        timestamp=dt.datetime.now(UTC),
        event_type=event_type,
        module_name=module.__class__.__name__,
        method_name="forward",
        data=data,
    ))


@streamll.instrument
class RAGPipeline(Module):
    """The seed's RAG pipeline, with simulated steps."""

    def retrieve(self, question):
        return [SimpleNamespace(id=f"doc{i}", text="x" * (10 * (i + 1))) for i in range(3)]

    def rerank(self, docs):
        return list(reversed(docs))

    def generate(self, context, question):
        return {"answer": f"{question}: {len(context)} docs"}

    def forward(self, question):
        seed_emit(self, "rag.retrieval.start", {"query": question})
        docs = self.retrieve(question)
        seed_emit(self, "rag.retrieval.complete", {"query": question, "num_docs": len(docs),
                                                   "doc_ids": [doc.id for doc in docs]})
        seed_emit(self, "rag.reranking", {"num_docs": len(docs)})
        reranked = self.rerank(docs)
        seed_emit(self, "rag.generation.start", {"context_size": sum(len(d.text) for d in reranked)})
        return self.generate(context=reranked, question=question)


SEED_TYPES = ["start", "rag.retrieval.start", "rag.retrieval.complete", "rag.reranking", "rag.generation.start",
              "end"]


def test_seed_rag_pipeline_one_execution(runtime):
    result = RAGPipeline()("what is streamll?")
    assert result == {"answer": "what is streamll?: 3 docs"}
    assert streamll.flush(10)
    events = stored(runtime)
    assert [e.event_type for e in events] == SEED_TYPES
    assert len({e.execution_id for e in events}) == 1
    start, end = events[0], events[-1]
    assert start.module_name == end.module_name == "RAGPipeline"
    assert start.operation == "forward" and start.method_name == "forward"
    assert start.data["inputs"] == {"question": "what is streamll?"}
    assert end.data["outputs"] == {"answer": "what is streamll?: 3 docs"}
    assert end.data["duration_seconds"] >= 0
    complete = events[2]
    assert complete.data == {"query": "what is streamll?", "num_docs": 3, "doc_ids": ["doc0", "doc1", "doc2"]}
    assert events[4].data == {"context_size": 60}
    # The store's summary sees one execution of six events, no errors.
    with streamll.Store(runtime) as store:
        [run] = store.executions()
        assert run.execution_id == start.execution_id
        assert (run.event_count, run.error_count) == (6, 0)


def test_each_outermost_call_is_its_own_execution(runtime):
    pipeline = RAGPipeline()
    pipeline("q1")
    pipeline.forward("q2")  # forward called directly is instrumented too
    assert streamll.flush(10)
    executions = {}
    for e in stored(runtime):
        executions.setdefault(e.execution_id, []).append(e.event_type)
    assert list(executions.values()) == [SEED_TYPES, SEED_TYPES]


def test_nested_module_stays_in_the_outer_execution(runtime):
    @streamll.instrument
    class Retriever(Module):
        def forward(self, query):
            seed_emit(self, "retriever.search", {"query": query})
            return ["d1", "d2"]

    @streamll.instrument
    class Outer(Module):
        def __init__(self):
            self.retriever = Retriever()

        def forward(self, question):
            seed_emit(self, "outer.begin", {})
            docs = self.retriever(question)
            with streamll.trace("generate"):
                seed_emit(self, "outer.generate", {"docs": docs})
            return len(docs)

    assert Outer()("q") == 2
    assert streamll.flush(10)
    events = stored(runtime)
    assert len({e.execution_id for e in events}) == 1
    assert [(e.event_type, e.module_name) for e in events] == [
        ("start", "Outer"), ("outer.begin", "Outer"), ("start", "Retriever"), ("retriever.search", "Retriever"),
        ("end", "Retriever"), ("start", "manual"), ("outer.generate", "Outer"), ("end", "manual"),
        ("end", "Outer")]


def test_instrumented_call_inside_a_trace_joins_it(runtime):
    with streamll.trace("request") as ctx:
        RAGPipeline()("q")
    assert streamll.flush(10)
    assert {e.execution_id for e in stored(runtime)} == {ctx.execution_id}


def test_error_is_reraised_with_an_error_event(runtime):
    @streamll.instrument
    class Failing(Module):
        def forward(self, x):
            seed_emit(self, "failing.step", {"x": x})
            raise RuntimeError(f"bad input {x}")

    with pytest.raises(RuntimeError, match="bad input 7"):
        Failing()(7)
    assert streamll.flush(10)
    events = stored(runtime)
    assert [e.event_type for e in events] == ["start", "failing.step", "error"]
    assert len({e.execution_id for e in events}) == 1
    error = events[-1]
    assert error.module_name == "Failing"
    assert error.data["error_type"] == "RuntimeError"
    assert error.data["error_message"] == "bad input 7"
    assert "raise RuntimeError" in error.data["traceback"]
    assert error.data["duration_seconds"] >= 0
    with streamll.Store(runtime) as store:
        [run] = store.executions()
        assert run.error_count == 1


def test_error_in_nested_module_propagates_through_both(runtime):
    @streamll.instrument
    class Inner(Module):
        def forward(self):
            raise ValueError("inner broke")

    @streamll.instrument
    class Outer2(Module):
        def forward(self):
            return Inner()()

    with pytest.raises(ValueError, match="inner broke"):
        Outer2()()
    assert streamll.flush(10)
    events = stored(runtime)
    assert [(e.event_type, e.module_name) for e in events] == [
        ("start", "Outer2"), ("start", "Inner"), ("error", "Inner"), ("error", "Outer2")]
    assert len({e.execution_id for e in events}) == 1


def test_async_aforward(runtime):
    @streamll.instrument
    class AsyncModule(Module):
        async def aforward(self, question):
            await asyncio.sleep(0)
            seed_emit(self, "async.step", {"q": question})
            return question.upper()

        def forward(self, question):
            return question

    async def main():
        return await asyncio.gather(AsyncModule().aforward("a"), AsyncModule().aforward("b"))

    assert asyncio.run(main()) == ["A", "B"]
    assert streamll.flush(10)
    by_execution = {}
    for e in stored(runtime):
        by_execution.setdefault(e.execution_id, []).append(e)
    assert len(by_execution) == 2
    for events in by_execution.values():
        assert [e.event_type for e in events] == ["start", "async.step", "end"]
        assert events[0].data["inputs"]["question"] == events[1].data["q"]
        assert events[2].data["outputs"] == events[1].data["q"].upper()


def test_async_error_reraised(runtime):
    @streamll.instrument
    class AsyncFail(Module):
        async def aforward(self):
            raise TimeoutError("slow")

    with pytest.raises(TimeoutError):
        asyncio.run(AsyncFail().aforward())
    assert streamll.flush(10)
    assert [e.event_type for e in stored(runtime)] == ["start", "error"]


def test_instrumenting_twice_is_value_error():
    @streamll.instrument
    class Once(Module):
        def forward(self):
            return 1

    with pytest.raises(ValueError, match="already instrumented"):
        streamll.instrument(Once)

    class Sub(Once):
        pass

    with pytest.raises(ValueError, match="already instrumented"):
        streamll.instrument(Sub)


def test_class_without_forward_is_type_error():
    with pytest.raises(TypeError, match="forward"):
        @streamll.instrument
        class NoForward(Module):
            def run(self):
                pass
    with pytest.raises(TypeError):
        streamll.instrument(lambda: None)


def test_instrument_with_options(runtime):
    sink_events = []

    class Sink:
        def handle_event(self, event):
            sink_events.append(event.event_type)

    @streamll.instrument(include_inputs=False, include_outputs=False, sinks=[Sink()])
    class Quiet(Module):
        def forward(self, secret):
            return {"secret": secret}

    assert Quiet()("s3cr3t") == {"secret": "s3cr3t"}
    assert streamll.flush(10)
    start, end = stored(runtime)
    assert "inputs" not in start.data and "outputs" not in end.data
    assert sink_events == ["start", "end"]


def test_inputs_and_outputs_without_json_form_are_recorded_as_text(runtime):
    class Opaque:
        def __str__(self):
            return "<opaque>"

    @streamll.instrument
    class Weird(Module):
        def forward(self, thing, *, items):
            return Opaque()

    Weird()(Opaque(), items={1, 2})
    assert streamll.flush(10)
    start, end = stored(runtime)
    assert start.data["inputs"]["thing"] == "<opaque>"
    assert start.data["inputs"]["items"] in ("{1, 2}", "{2, 1}")
    assert end.data["outputs"] == "<opaque>"


def test_seed_use_cases_run_as_written(runtime):
    import time

    @streamll.instrument
    class DataProcessor(Module):
        def validate(self, data):
            return all(isinstance(x, int) for x in data)

        def get_removed_count(self, data):
            return sum(1 for x in data if x < 0)

        def clean(self, data):
            return [x for x in data if x >= 0]

        def transform(self, cleaned):
            return {"values": cleaned}

        def forward(self, data):
            seed_emit(self, "data.validation", {"input_size": len(data), "valid": self.validate(data)})
            seed_emit(self, "data.cleaning", {"removed_count": self.get_removed_count(data)})
            cleaned = self.clean(data)
            seed_emit(self, "data.transformation", {"input_size": len(cleaned), "output_format": "structured"})
            return self.transform(cleaned)

    @streamll.instrument
    class AdaptiveModule(Module):
        def assess_complexity(self, task):
            return min(len(task) / 100, 1.0)

        def process_with_model(self, task, model):
            return f"{model}: {task}"

        def forward(self, task):
            complexity = self.assess_complexity(task)
            model = "gpt-3.5-turbo" if complexity < 0.3 else "gpt-4" if complexity < 0.7 else "gpt-4-turbo"
            seed_emit(self, "model.selection", {"complexity_score": complexity, "selected_model": model,
                                                "reason": f"Complexity {complexity:.2f}"})
            return self.process_with_model(task, model)

    @streamll.instrument
    class PerformanceAwareModule(Module):
        def process(self, input_data):
            return sorted(input_data)

        def get_memory_usage(self):
            return 12.5

        def forward(self, input_data):
            start_time = time.time()
            result = self.process(input_data)
            duration = max(time.time() - start_time, 1e-9)
            seed_emit(self, "performance.metrics", {"duration_seconds": duration, "input_size": len(input_data),
                                                    "throughput": len(input_data) / duration,
                                                    "memory_usage_mb": self.get_memory_usage()})
            return result

    assert DataProcessor()([3, -1, 2]) == {"values": [3, 2]}
    assert AdaptiveModule()("short task") == "gpt-3.5-turbo: short task"
    assert PerformanceAwareModule()([3, 1, 2]) == [1, 2, 3]
    assert streamll.flush(10)
    events = stored(runtime)
    by_execution = {}
    for e in events:
        by_execution.setdefault(e.execution_id, []).append(e.event_type)
    assert list(by_execution.values()) == [
        ["start", "data.validation", "data.cleaning", "data.transformation", "end"],
        ["start", "model.selection", "end"],
        ["start", "performance.metrics", "end"]]
    cleaning = next(e for e in events if e.event_type == "data.cleaning")
    assert cleaning.data == {"removed_count": 1}
    selection = next(e for e in events if e.event_type == "model.selection")
    assert selection.data["selected_model"] == "gpt-3.5-turbo" and selection.data["reason"] == "Complexity 0.10"


def test_emit_custom_helper(runtime):
    def emit_custom(event_type: str, data: dict, module_name: str = "Unknown"):
        emit_event(StreamllEvent(
            event_id=generate_event_id(),
            execution_id=get_execution_id(),
            timestamp=dt.datetime.now(UTC),
            event_type=event_type,
            module_name=module_name,
            method_name="forward",
            data=data,
        ))

    emit_custom("retrieval.start", {"query": "q"})
    emit_custom("cache.hit", {"key": "k", "size": 1024})
    assert streamll.flush(10)
    assert [(e.event_type, e.module_name, e.data) for e in stored(runtime)] == [
        ("retrieval.start", "Unknown", {"query": "q"}), ("cache.hit", "Unknown", {"key": "k", "size": 1024})]

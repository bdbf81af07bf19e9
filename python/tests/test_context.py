"""Execution context: trace(), get_execution_id(), and how the execution
follows asyncio tasks and threads (contextvars)."""

from __future__ import annotations

import asyncio
import contextvars
import threading

import pytest

import streamll
from streamll import emit_event
from streamll.core.events import StreamllEvent, generate_event_id, get_execution_id


def stored(path, **filters) -> list[StreamllEvent]:
    with streamll.Store(path) as store:
        return [e for e in store.events(**filters) if e.event_type != "streamll.stats"]


def custom(event_type: str, **data) -> bool:
    return emit_event(StreamllEvent(event_id=generate_event_id(), execution_id=get_execution_id(),
                                    event_type=event_type, data=data))


def test_execution_id_outside_any_scope_is_new_each_call():
    a, b = get_execution_id(), get_execution_id()
    assert a != b
    assert len(a) == 32 and int(a, 16) >= 0


def test_trace_start_end(runtime):
    with streamll.trace("retrieve", module_name="RAG", k=3) as ctx:
        inside = get_execution_id()
        assert get_execution_id() == inside == ctx.execution_id
        assert ctx.operation == "retrieve" and ctx.module_name == "RAG"
    assert get_execution_id() != inside  # left the execution
    assert streamll.flush(10)
    start, end = stored(runtime)
    for e in (start, end):
        assert e.execution_id == inside
        assert e.module_name == "RAG" and e.method_name == "retrieve" and e.operation == "retrieve"
        assert e.data["k"] == 3
    assert start.event_type == "start" and start.data["stage"] == "start"
    assert end.event_type == "end" and end.data["stage"] == "end"
    assert isinstance(end.data["duration_seconds"], float) and end.data["duration_seconds"] >= 0
    assert start.timestamp <= end.timestamp


def test_trace_defaults_module_name_manual(runtime):
    with streamll.trace("op"):
        pass
    assert streamll.flush(10)
    assert {e.module_name for e in stored(runtime)} == {"manual"}


def test_trace_error_reraises_with_error_event(runtime):
    with pytest.raises(KeyError, match="missing"):
        with streamll.trace("lookup", user="u") as ctx:
            raise KeyError("missing")
    assert streamll.flush(10)
    start, error = stored(runtime)
    assert start.event_type == "start"
    assert error.event_type == "error" and error.execution_id == ctx.execution_id
    assert error.data["error_type"] == "KeyError"
    assert "missing" in error.data["error_message"]
    assert "raise KeyError" in error.data["traceback"]
    assert error.data["duration_seconds"] >= 0
    assert error.data["stage"] == "error" and error.data["user"] == "u"


def test_ctx_emit_inside(runtime):
    streamll.set_context(user_id="u9")
    with streamll.trace("retrieve", module_name="RAG", index="docs") as ctx:
        assert ctx.emit("rag.retrieval.complete", num_docs=3)
        ctx.emit("rag.reranking", {"kept": 2}, note="x")
    streamll.set_context()
    assert streamll.flush(10)
    events = {e.event_type: e for e in stored(runtime)}
    done = events["rag.retrieval.complete"]
    assert done.execution_id == ctx.execution_id
    assert done.operation == "retrieve" and done.module_name == "RAG"
    assert done.data == {"user_id": "u9", "index": "docs", "num_docs": 3}
    assert events["rag.reranking"].data == {"user_id": "u9", "index": "docs", "kept": 2, "note": "x"}


def test_nested_traces_share_the_execution(runtime):
    with streamll.trace("outer") as outer:
        custom("outer.step")
        with streamll.trace("inner") as inner:
            custom("inner.step")
        custom("outer.after")
    assert inner.execution_id == outer.execution_id
    assert streamll.flush(10)
    events = stored(runtime)
    assert len(events) == 7
    assert {e.execution_id for e in events} == {outer.execution_id}
    assert [e.event_type for e in events] == ["start", "outer.step", "start", "inner.step", "end",
                                              "outer.after", "end"]
    assert [e.operation for e in events if e.event_type in ("start", "end")] == ["outer", "inner", "inner",
                                                                                 "outer"]


def test_trace_joins_a_given_execution(runtime):
    with streamll.trace("resume", execution_id="run-given") as ctx:
        custom("step")
    assert ctx.execution_id == "run-given"
    assert streamll.flush(10)
    assert {e.execution_id for e in stored(runtime)} == {"run-given"}
    assert "execution_id" not in stored(runtime)[0].data


def test_async_trace(runtime):
    async def main():
        async with streamll.trace("async-op") as ctx:
            await asyncio.sleep(0)
            custom("async.step")
        return ctx.execution_id

    execution = asyncio.run(main())
    assert streamll.flush(10)
    events = stored(runtime)
    assert [e.event_type for e in events] == ["start", "async.step", "end"]
    assert {e.execution_id for e in events} == {execution}


def test_concurrent_asyncio_tasks_never_mix(runtime):
    steps = 20

    async def pipeline(name: str) -> str:
        with streamll.trace(name) as ctx:
            for i in range(steps):
                custom("task.step", task=name, i=i)
                await asyncio.sleep(0)  # interleave with the other tasks
                assert get_execution_id() == ctx.execution_id
        return ctx.execution_id

    async def main():
        return await asyncio.gather(*(pipeline(f"task{n}") for n in range(4)))

    executions = asyncio.run(main())
    assert len(set(executions)) == 4
    assert streamll.flush(10)
    for name, execution in zip([f"task{n}" for n in range(4)], executions):
        events = stored(runtime, execution_id=execution)
        assert len(events) == steps + 2
        steps_seen = [e for e in events if e.event_type == "task.step"]
        assert {e.data["task"] for e in steps_seen} == {name}
        assert [e.data["i"] for e in steps_seen] == list(range(steps))
        assert {e.operation for e in events if e.event_type in ("start", "end")} == {name}


def test_task_created_inside_trace_keeps_the_execution(runtime):
    async def child():
        await asyncio.sleep(0)
        custom("child.step")
        return get_execution_id()

    async def main():
        with streamll.trace("parent") as ctx:
            child_execution = await asyncio.create_task(child())
        return ctx.execution_id, child_execution

    parent, child_execution = asyncio.run(main())
    assert parent == child_execution
    assert streamll.flush(10)
    assert {e.execution_id for e in stored(runtime)} == {parent}


def test_threads_with_copied_context_keep_the_execution(runtime):
    seen = []

    def work(i):
        seen.append(get_execution_id())
        custom("thread.step", i=i)

    with streamll.trace("fan-out") as ctx:
        threads = [threading.Thread(target=contextvars.copy_context().run, args=(work, i)) for i in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert seen == [ctx.execution_id] * 4
    assert streamll.flush(10)
    steps = stored(runtime, type="thread.step")
    assert len(steps) == 4 and {e.execution_id for e in steps} == {ctx.execution_id}


def test_plain_threads_outside_a_trace_get_their_own(runtime):
    seen = []

    def work():
        with streamll.trace("worker") as ctx:
            custom("worker.step")
            seen.append(ctx.execution_id)

    with streamll.trace("main") as main_ctx:
        # A plain thread does not inherit the caller's contextvars.
        t = threading.Thread(target=lambda: seen.append(("plain", get_execution_id())))
        t.start()
        t.join()
    assert seen[0][1] != main_ctx.execution_id

    threads = [threading.Thread(target=work) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    workers = seen[1:]
    assert len(set(workers)) == 3 and main_ctx.execution_id not in workers
    assert streamll.flush(10)
    for execution in workers:
        assert [e.event_type for e in stored(runtime, execution_id=execution)] == ["start", "worker.step", "end"]


def test_set_context_follows_contextvars(runtime):
    async def task(name):
        streamll.set_context(task=name)
        await asyncio.sleep(0)
        custom("ctx.step")

    async def main():
        await asyncio.gather(task("a"), task("b"))

    asyncio.run(main())
    custom("ctx.outside")
    assert streamll.flush(10)
    events = stored(runtime)
    assert sorted(e.data.get("task", "-") for e in events if e.event_type == "ctx.step") == ["a", "b"]
    assert [e.data for e in events if e.event_type == "ctx.outside"] == [{}]


def test_a_trace_whose_start_raises_leaves_no_execution_behind(runtime):
    before = streamll.get_execution_id()
    with pytest.raises(TypeError, match="field 'data.ids'"):
        with streamll.trace("op", ids={1, 2}):
            pass
    # Outside any scope: a new id per call, not the failed trace's.
    assert streamll.get_execution_id() != streamll.get_execution_id()
    assert before != streamll.get_execution_id()


def test_trace_sinks_argument_says_where_sinks_go():
    with pytest.raises(TypeError, match="configure"):
        streamll.trace("op", sinks=[])

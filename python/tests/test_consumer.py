"""RedisStreamConsumer against a real redis-server: subscribe / on, sync and
async handlers, start() until stop(), drain(), consumer groups; fed by the
runtime's RedisSink and by entries in upstream's own wire formats."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import threading
import time

import pytest

import streamll
from streamll import emit_event
from streamll.consumer import RedisStreamConsumer
from streamll.core.events import StreamllEvent, generate_event_id, get_execution_id
from streamll.sinks import RedisSink

from conftest import wait_until

UTC = dt.timezone.utc
TYPES = ["rag.retrieval.start", "rag.retrieval.complete", "rag.reranking", "performance.metrics", "error",
         "rag.retrieval.complete"]


def make_events(execution="run-1") -> list[StreamllEvent]:
    return [StreamllEvent(event_id=generate_event_id(), execution_id=execution, event_type=t,
                          timestamp=dt.datetime(2025, 1, 1, 12, 0, i, tzinfo=UTC), module_name="RAG",
                          data={"i": i, "num_docs": i}) for i, t in enumerate(TYPES)]


def xadd(server, key: str, *fields: str) -> None:
    server.command("XADD", key, "*", *fields)


def publish(redis_server, key: str, events: list[StreamllEvent]) -> None:
    for e in events:
        xadd(redis_server, key, "message", e.model_dump_json())


def test_events_from_redis_sink_to_consumer(runtime, redis_server):
    """The seed's whole loop: an app emits with RedisSink configured, a
    consumer reads them back."""
    streamll.configure(sinks=[RedisSink(url=redis_server.url)], permanent=True)
    sent = make_events(get_execution_id())
    for e in sent:
        emit_event(e)
    assert streamll.flush(10)
    wait_until(lambda: redis_server.xlen("streamll_events") == len(sent), 10)

    got = []
    consumer = RedisStreamConsumer(url=redis_server.url)
    consumer.subscribe(got.append)
    assert consumer.drain() == len(sent)
    assert got == sent
    assert consumer.stats()["delivered"] == len(sent)


def test_subscribe_and_on_dispatch(redis_server):
    publish(redis_server, "s1", make_events())
    consumer = RedisStreamConsumer(url=redis_server.url, stream_key="s1")
    every, exact, prefix, perf = [], [], [], []
    consumer.subscribe(lambda e: every.append(e.event_type))

    @consumer.on("rag.retrieval.complete")
    def on_complete(event):
        exact.append(event.data["i"])

    @consumer.on("rag.*")
    def on_rag(event):
        prefix.append(event.event_type)

    consumer.subscribe(lambda e: perf.append(e.data), event_type="performance.")
    assert callable(on_complete)  # the decorator returns the function
    assert consumer.drain() == 6
    assert every == TYPES
    assert exact == [1, 5]
    assert prefix == ["rag.retrieval.start", "rag.retrieval.complete", "rag.reranking", "rag.retrieval.complete"]
    assert perf == [{"i": 3, "num_docs": 3}]
    # A second drain finds nothing new.
    assert consumer.drain() == 0
    assert len(every) == 6


def test_async_handlers(redis_server):
    publish(redis_server, "s2", make_events())
    consumer = RedisStreamConsumer(url=redis_server.url, stream_key="s2")
    seen = []

    async def handle_event(event):
        await asyncio.sleep(0)
        seen.append(event.event_type)

    consumer.subscribe(handle_event)
    consumer.drain()
    assert seen == TYPES


def test_seed_consumer_example(redis_server):
    publish(redis_server, "streamll_events", make_events())
    consumer = RedisStreamConsumer(url=redis_server.url)
    alerts, metrics, logged = [], [], []

    def handle_rag_event(event):
        if event.event_type == "rag.retrieval.complete":
            if event.data.get("num_docs", 0) == 0:
                alerts.append("No documents retrieved!")

    def update_metrics(event):
        if event.event_type == "performance.metrics":
            metrics.append(event.data["num_docs"])

    async def handle_event(event):
        if event.event_type.startswith("rag."):
            handle_rag_event(event)
        elif event.event_type.startswith("performance."):
            update_metrics(event)
        elif event.event_type == "error":
            alerts.append(f"error in {event.module_name}")
        else:
            logged.append(event)

    consumer.subscribe(handle_event)
    done = threading.Event()

    def stop_when_done():
        wait_until(lambda: len(alerts) == 1 and metrics, 10)
        consumer.stop()
        done.set()

    threading.Thread(target=stop_when_done, daemon=True).start()
    consumer.start()  # blocks until stop()
    assert done.is_set()
    assert alerts == ["error in RAG"] and metrics == [3] and logged == []


def test_start_blocks_until_stop_from_a_handler(redis_server):
    consumer = RedisStreamConsumer(url=redis_server.url, stream_key="live", start_id="$", block=0.1)
    seen = []

    def handler(event):
        seen.append(event.data["n"])
        if event.event_type == "last":
            consumer.stop()

    consumer.subscribe(handler)

    def producer():
        time.sleep(0.2)  # entries added after start() began reading ("$": only new ones)
        for n in range(5):
            xadd(redis_server, "live", "message",
                 StreamllEvent(execution_id="p", event_type="tick" if n < 4 else "last", data={"n": n}
                               ).model_dump_json())

    watchdog = threading.Timer(20, consumer.stop)
    watchdog.start()
    try:
        threading.Thread(target=producer, daemon=True).start()
        consumer.start()
    finally:
        watchdog.cancel()
    assert seen == [0, 1, 2, 3, 4]


def test_run_in_asyncio(redis_server):
    publish(redis_server, "s3", make_events())
    consumer = RedisStreamConsumer(url=redis_server.url, stream_key="s3")
    seen = []

    @consumer.on("error")
    async def on_error(event):
        seen.append(event.event_type)
        consumer.stop()

    async def main():
        await asyncio.wait_for(consumer.run(), 20)

    asyncio.run(main())
    assert seen == ["error"]


def test_reads_upstream_wire_formats(redis_server):
    """HEAD's RedisSink: json.dumps(model_dump(), default=str) in field
    "message"; E0's: isoformat timestamps in field "event"."""
    head = {"event_id": "head1", "execution_id": "x", "timestamp": "2025-01-01 12:00:00+00:00",
            "module_name": "M", "method_name": "forward", "event_type": "head", "operation": None,
            "data": {"a": 1}, "tags": {}}
    e0 = dict(head, event_id="e0one", event_type="e0", timestamp="2025-01-01T12:00:01+00:00")
    xadd(redis_server, "wire", "message", json.dumps(head))
    xadd(redis_server, "wire", "event", json.dumps(e0))
    consumer = RedisStreamConsumer(url=redis_server.url, stream_key="wire")
    got = []
    consumer.subscribe(got.append)
    consumer.drain()
    assert [(e.event_id, e.event_type, e.timestamp) for e in got] == [
        ("head1", "head", dt.datetime(2025, 1, 1, 12, tzinfo=UTC)),
        ("e0one", "e0", dt.datetime(2025, 1, 1, 12, 0, 1, tzinfo=UTC))]


def test_reads_the_field_a_sink_was_told(redis_server):
    """One Redis target on both sides: RedisSink(field=...) and
    RedisStreamConsumer(field=...)."""
    payload = StreamllEvent(execution_id="x", event_type="custom").model_dump_json()
    xadd(redis_server, "own", "payload", payload)
    consumer = RedisStreamConsumer(url=redis_server.url, stream_key="own", field="payload")
    got = []
    consumer.subscribe(got.append)
    consumer.drain()
    assert [e.event_type for e in got] == ["custom"]
    errors = []
    plain = RedisStreamConsumer(url=redis_server.url, stream_key="own", on_error=errors.append)
    plain.drain()
    assert plain.stats()["malformed"] == 1
    assert "no 'message' or 'event' field (fields: payload)" in errors[0]


def test_malformed_entry_is_counted(redis_server):
    xadd(redis_server, "bad", "message", "{not json")
    xadd(redis_server, "bad", "message", StreamllEvent(execution_id="x", event_type="fine").model_dump_json())
    errors = []
    consumer = RedisStreamConsumer(url=redis_server.url, stream_key="bad", on_error=errors.append)
    got = []
    consumer.subscribe(got.append)
    consumer.drain()
    assert [e.event_type for e in got] == ["fine"]
    assert consumer.stats()["malformed"] == 1


def test_handler_exception_is_reported_not_raised(redis_server):
    publish(redis_server, "raising", make_events()[:3])
    errors = []
    consumer = RedisStreamConsumer(url=redis_server.url, stream_key="raising", on_error=errors.append)
    seen = []

    def handler(event):
        seen.append(event.data["i"])
        if event.data["i"] == 1:
            raise RuntimeError("handler broke")

    consumer.subscribe(handler)
    consumer.drain()
    assert seen == [0, 1, 2]  # without a group, passed over
    assert consumer.stats()["handler_failures"] == 1
    assert any("handler broke" in m for m in errors), errors


def test_consumer_group(redis_server):
    publish(redis_server, "grouped", make_events())
    first, second = [], []
    a = RedisStreamConsumer(url=redis_server.url, stream_key="grouped", group="workers", consumer_name="a",
                            batch_size=2)
    a.subscribe(first.append)
    # The group is created at the start of the stream; a reads a batch.
    assert a.drain() == 6
    assert [e.event_type for e in first] == TYPES
    assert a.stats()["acked"] == 6
    # Another consumer of the group gets nothing already acknowledged...
    b = RedisStreamConsumer(url=redis_server.url, stream_key="grouped", group="workers", consumer_name="b")
    b.subscribe(second.append)
    assert b.drain() == 0
    # ...only what is new.
    publish(redis_server, "grouped", make_events("run-2")[:2])
    assert b.drain() == 2
    assert [e.execution_id for e in second] == ["run-2", "run-2"]
    assert a.drain() == 0
    # The group sees nothing pending.
    assert redis_server.command("XPENDING", "grouped", "workers")[0] == 0


def test_group_redelivers_after_handler_failure(redis_server):
    publish(redis_server, "retry", make_events()[:1])
    attempts = []

    def flaky(event):
        attempts.append(event.event_id)
        if len(attempts) == 1:
            raise RuntimeError("first try fails")

    consumer = RedisStreamConsumer(url=redis_server.url, stream_key="retry", group="g", consumer_name="c1",
                                   on_error=lambda m: None, claim_min_idle=0.05)
    consumer.subscribe(flaky)
    consumer.drain()
    wait_until(lambda: (time.sleep(0.06), consumer.drain(), len(attempts) >= 2)[-1], 10)
    assert attempts[0] == attempts[1]
    assert consumer.stats()["handler_failures"] == 1


def test_redis_down_raises_in_drain():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    consumer = RedisStreamConsumer(url=f"redis://127.0.0.1:{port}", on_error=lambda m: None)
    with pytest.raises(streamll.StreamllError):
        consumer.drain()


def test_password_and_database_in_the_url(runtime, redis_auth_server):
    url = redis_auth_server.url + "/3"
    streamll.configure(sinks=[RedisSink(url=url, stream_key="authed")], permanent=True)
    sent = make_events(get_execution_id())
    for e in sent:
        emit_event(e)
    assert streamll.flush(10)
    wait_until(lambda: redis_auth_server.xlen("authed", db=3) == len(sent), 10)
    assert redis_auth_server.xlen("authed") == 0  # not in database 0
    [stat] = streamll.stats()["sinks"]
    assert redis_auth_server.password not in stat["name"]  # the password is not shown
    got = []
    consumer = RedisStreamConsumer(url=url, stream_key="authed")
    consumer.subscribe(got.append)
    assert consumer.drain() == len(sent)
    assert got == sent
    wrong = RedisStreamConsumer(url=url.replace(redis_auth_server.password, "wrong"), stream_key="authed",
                                on_error=lambda m: None)
    with pytest.raises((ValueError, streamll.StreamllError), match="auth"):
        wrong.drain()


def test_stop_ends_start_while_redis_is_unreachable():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    errors = []
    consumer = RedisStreamConsumer(url=f"redis://127.0.0.1:{port}", on_error=errors.append)
    thread = threading.Thread(target=consumer.start)
    thread.start()
    try:
        wait_until(lambda: consumer.stats()["failures"] >= 1, 10)
    finally:
        consumer.stop()
        thread.join(10)
    assert not thread.is_alive()
    assert errors  # told through on_error, retried, never raised


def test_keyboard_interrupt_in_a_handler_ends_drain_and_is_raised(redis_server):
    publish(redis_server, "s-int", make_events())
    consumer = RedisStreamConsumer(url=redis_server.url, stream_key="s-int")
    seen = []

    def handler(event):
        seen.append(event.data["i"])
        if len(seen) == 2:
            raise KeyboardInterrupt

    consumer.subscribe(handler)
    with pytest.raises(KeyboardInterrupt):
        consumer.drain()
    assert seen == [0, 1]  # the rest of the batch was not handed to the handler


def test_run_stops_when_its_task_is_cancelled(redis_server):
    consumer = RedisStreamConsumer(redis_url=redis_server.url, stream_key="s-cancel", block_ms=50)
    assert consumer.url == redis_server.url

    async def main():
        task = asyncio.create_task(consumer.run())
        await asyncio.sleep(0.3)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await asyncio.wait_for(task, timeout=10)

    asyncio.run(main())  # returns: the worker thread ended

"""Sinks: Python objects with handle_event (off the caller's thread, behind
the breaker), JsonlSink, TerminalSink, and RedisSink against a real
redis-server."""

from __future__ import annotations

import asyncio
import json
import threading

import pytest

import streamll
from streamll import emit_event
from streamll.core.events import StreamllEvent, generate_event_id, get_execution_id
from streamll.sinks import JsonlSink, RedisSink, TerminalSink

from conftest import wait_until


def event(event_type="sink.test", **data) -> StreamllEvent:
    return StreamllEvent(event_id=generate_event_id(), execution_id=get_execution_id(), event_type=event_type,
                         module_name="SinkTest", data=data)


class Recording:
    def __init__(self):
        self.events = []
        self.threads = set()

    def handle_event(self, e):
        self.threads.add(threading.get_ident())
        self.events.append(e)


def test_user_sink_gets_events_off_the_callers_thread(runtime):
    sink = Recording()
    streamll.configure(sinks=[sink], permanent=True)
    sent = [event(i=i) for i in range(50)]
    for e in sent:
        assert emit_event(e)
    assert streamll.flush(10)
    assert [e.event_id for e in sink.events] == [e.event_id for e in sent]
    assert all(isinstance(e, StreamllEvent) for e in sink.events)
    assert sink.events[3] == sent[3]
    assert threading.get_ident() not in sink.threads
    [stat] = streamll.stats()["sinks"]
    assert stat["delivered"] == 50 and stat["failures"] == 0 and stat["state"] == "closed"
    assert "Recording" in stat["name"]


def test_raising_sink_is_counted_never_propagated(runtime, capfd):
    class Broken:
        calls = 0

        def handle_event(self, e):
            Broken.calls += 1
            raise RuntimeError("sink is down")

    good = Recording()
    streamll.configure(sinks=[Broken(), good], permanent=True)
    for i in range(20):
        assert emit_event(event(i=i)) is True  # never raises into the app
        assert streamll.flush(10) is not None
    broken_stats, good_stats = streamll.stats()["sinks"]
    assert broken_stats["failures"] >= 1
    assert broken_stats["delivered"] == 0
    assert broken_stats["missed"] >= 1
    assert Broken.calls >= 1
    # The other sink and the store are unaffected.
    assert good_stats["delivered"] == 20 and good_stats["failures"] == 0
    s = streamll.stats()
    assert s["stored"] == 20
    assert len(good.events) == 20
    # Told on stderr once (and once more when the breaker pauses it), not per event.
    err = capfd.readouterr().err
    assert err.count("streamll: sink python:Broken failed:") == 1, err
    assert err.count("sink is down") <= 2, err
    # Emitting keeps working.
    assert emit_event(event("after"))
    assert streamll.flush(10)


def test_sink_failing_on_some_events_recovers(runtime):
    class Flaky:
        def __init__(self):
            self.seen = []

        def handle_event(self, e):
            if e.data.get("fail"):
                raise ValueError("flaky")
            self.seen.append(e.data["i"])

    flaky = Flaky()
    streamll.configure(sinks=[flaky], permanent=True)
    emit_event(event(i=0))
    assert streamll.flush(10)
    emit_event(event(i=1, fail=True))
    assert streamll.flush(10)
    emit_event(event(i=2))
    assert streamll.flush(10)
    [stat] = streamll.stats()["sinks"]
    assert stat["failures"] == 1
    assert flaky.seen == [0, 2]
    assert stat["state"] == "closed"


def test_async_handle_event_is_run(runtime):
    class AsyncSink:
        def __init__(self):
            self.seen = []

        async def handle_event(self, e):
            await asyncio.sleep(0)
            self.seen.append(e.event_type)

    sink = AsyncSink()
    streamll.configure(sinks=[sink], permanent=True)
    emit_event(event("a"))
    emit_event(event("b"))
    assert streamll.flush(10)
    assert sink.seen == ["a", "b"]


def test_upstream_style_sink_is_started(runtime):
    class Upstream:
        def __init__(self):
            self.is_running = False
            self.seen = []

        def start(self):
            self.is_running = True

        def stop(self):
            self.is_running = False

        def handle_event(self, e):
            self.seen.append(e)

    sink = Upstream()
    streamll.configure(sinks=[sink], permanent=True)
    assert sink.is_running
    emit_event(event())
    assert streamll.flush(10)
    assert len(sink.seen) == 1


def test_sink_given_to_init(store_path):
    sink = Recording()
    streamll.init(store_path, sinks=[sink])
    emit_event(event())
    streamll.shutdown()  # delivers what it holds
    assert [e.event_type for e in sink.events][:1] == ["sink.test"]


def test_jsonl_sink_writes_upstream_json(runtime, tmp_path):
    path = tmp_path / "out" / "events.jsonl"
    path.parent.mkdir()
    streamll.configure(sinks=[JsonlSink(path)], permanent=True)
    sent = [event(i=i) for i in range(5)]
    for e in sent:
        emit_event(e)
    assert streamll.flush(10)
    lines = path.read_text().splitlines()
    assert len(lines) == 5
    for line, e in zip(lines, sent):
        assert json.loads(line) == json.loads(e.model_dump_json())
        assert StreamllEvent.model_validate_json(line) == e
        assert ": " not in line and line.startswith('{"event_id":')


def test_terminal_sink_prints_lines(runtime, tmp_path):
    out = tmp_path / "terminal.txt"
    with open(out, "w") as f:
        sink = TerminalSink(output=f)
        streamll.configure(sinks=[sink], permanent=True)
        with streamll.trace("retrieve"):
            emit_event(event("rag.retrieval.complete", num_docs=3))
        assert streamll.flush(10)
        streamll.configure(sinks=[], permanent=True)
    text = wait_until(lambda: out.read_text() if "rag.retrieval.complete" in out.read_text() else "", 5)
    assert "num_docs" in text and "retrieve" in text
    assert len(text.splitlines()) >= 3


def test_terminal_sink_needs_a_real_file():
    import io

    with pytest.raises(TypeError, match="fileno"):
        TerminalSink(output=io.StringIO())
    TerminalSink()  # stdout


# --- RedisSink against a real redis-server -----------------------------------

def test_redis_sink_seed_parameters():
    sink = RedisSink(url="redis://localhost:6379", buffer_size=5000, flush_interval=0.5, batch_size=500)
    assert (sink.url, sink.stream_key, sink.buffer_size, sink.flush_interval, sink.batch_size,
            sink.max_stream_length) == ("redis://localhost:6379", "streamll_events", 5000, 0.5, 500, 10000)
    assert RedisSink(redis_url="redis://h:1").url == "redis://h:1"


def test_redis_sink_delivers_upstream_json(runtime, redis_server):
    streamll.configure(sinks=[RedisSink(url=redis_server.url, stream_key="test_events")], permanent=True)
    sent = []
    with streamll.trace("pipeline") as ctx:
        for i in range(30):
            e = event("rag.retrieval.complete", i=i)
            sent.append(e)
            emit_event(e)
    assert streamll.flush(10)
    entries = wait_until(lambda: (lambda x: x if len(x) == 32 else None)(redis_server.entries("test_events")), 10)
    messages = []
    for _id, fields in entries:
        assert list(fields) == ["message"]
        messages.append(fields["message"])
    events = [StreamllEvent.model_validate_json(m) for m in messages]
    assert [e.event_type for e in events] == ["start"] + ["rag.retrieval.complete"] * 30 + ["end"]
    assert {e.execution_id for e in events} == {ctx.execution_id}
    assert events[1:31] == sent
    # Upstream's field order, compact, "Z" timestamps.
    first = messages[1]
    assert json.loads(first) == json.loads(sent[0].model_dump_json())
    assert ": " not in first
    assert list(json.loads(first)) == ["event_id", "execution_id", "timestamp", "module_name", "method_name",
                                       "event_type", "operation", "data", "tags"]
    assert json.loads(first)["timestamp"].endswith("Z")
    [stat] = streamll.stats()["sinks"]
    assert stat["delivered"] == 32 and stat["failures"] == 0


def test_redis_sink_trims_stream(runtime, redis_server):
    streamll.configure(sinks=[RedisSink(url=redis_server.url, stream_key="trimmed", max_stream_length=10)],
                       permanent=True)
    for i in range(500):
        emit_event(event(i=i))
    assert streamll.flush(10)
    wait_until(lambda: streamll.stats()["sinks"][0]["delivered"] == 500, 10)
    # MAXLEN ~: about the limit (Redis trims whole nodes), far below 500.
    assert redis_server.xlen("trimmed") < 500


def test_redis_sink_down_is_counted_not_raised(runtime, tmp_path):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens there once closed
    streamll.configure(sinks=[RedisSink(url=f"redis://127.0.0.1:{port}", timeout=0.5)], permanent=True)
    for i in range(5):
        assert emit_event(event(i=i))
    streamll.flush(10)
    [stat] = streamll.stats()["sinks"]
    assert stat["delivered"] == 0
    assert stat["failures"] >= 1 or stat["missed"] >= 1
    assert streamll.stats()["stored"] == 5


def test_replicate_to_redis_ships_every_stored_event(store_path, redis_server):
    streamll.init(store_path, flush_interval=0.05,
                  replicate_to={"url": redis_server.url, "stream": "replica"})
    sent = [event("replicated", i=i) for i in range(40)]
    for e in sent:
        emit_event(e)
    assert streamll.flush(10)
    wait_until(lambda: redis_server.xlen("replica") >= 40, 10)
    # The entries reach Redis a moment before the replicator reads its reply.
    wait_until(lambda: streamll.stats()["replication"]["shipped"] >= 40, 10)
    assert streamll.stats()["replication"]["state"] == "closed"
    streamll.shutdown()
    shipped = [StreamllEvent.model_validate_json(fields["message"]) for _, fields in redis_server.entries("replica")]
    ours = [e for e in shipped if e.event_type == "replicated"]
    assert ours == sent  # each once, in order


def test_one_raising_event_does_not_keep_its_batch_mates_from_the_sink(runtime):
    got = []

    class Picky:
        def handle_event(self, event):
            if event.data["i"] == 3:
                raise ValueError("not this one")
            got.append(event.data["i"])

    streamll.configure(sinks=[Picky()], permanent=True)
    for i in range(10):
        streamll.emit("picky", data={"i": i})
    assert streamll.flush(10) is not None
    wait_until(lambda: len(got) == 9)
    assert got == [0, 1, 2, 4, 5, 6, 7, 8, 9]


def test_a_sink_calling_flush_configure_or_shutdown_is_refused_not_deadlocked(run_py):
    # Each waits for the sink's own thread; from that thread it is a
    # ValueError (counted as the sink's failure), never a hang or a crash.
    proc = run_py("""
        import streamll
        errors = []
        class Meddler:
            def handle_event(self, event):
                for call in (lambda: streamll.flush(1), lambda: streamll.configure(sinks=[], permanent=True),
                             streamll.shutdown):
                    try:
                        call()
                    except ValueError as e:
                        errors.append(str(e))
        streamll.init(path="meddle.db", sinks=[Meddler()])
        streamll.emit("x", data={})
        streamll.flush(10)
        print(len(errors), errors[0])
    """, timeout=60)
    assert proc.stdout.startswith("3 flush() cannot be called from a sink's handle_event")


def test_a_sink_that_emits_while_the_runtime_shuts_down_does_not_deadlock(run_py):
    proc = run_py("""
        import streamll
        class Echo:
            def handle_event(self, event):
                streamll.emit("echo", data={})  # during shutdown: no runtime, no implicit start
        streamll.init(path="echo.db", sinks=[Echo()])
        for i in range(50):
            streamll.emit("x", data={"i": i})
        streamll.shutdown()
        print("shut down")
    """, timeout=60)
    assert "shut down" in proc.stdout

"""Emitting into the local store: counters, flush, set_context, the event
filter, bad input at emit, the implicit start and interpreter exit."""

from __future__ import annotations

import datetime as dt
import json

import pytest

import streamll
from streamll import emit_event
from streamll.core.events import StreamllEvent, generate_event_id, get_execution_id

UTC = dt.timezone.utc


def stored(path) -> list[StreamllEvent]:
    with streamll.Store(path) as store:
        return [e for e in store.events() if e.event_type != "streamll.stats"]


def seed_event(event_type="my_custom_event", **data) -> StreamllEvent:
    return StreamllEvent(event_id=generate_event_id(), execution_id=get_execution_id(),
                         timestamp=dt.datetime.now(UTC), event_type=event_type, module_name="MyModule",
                         method_name="forward", data=data)


def test_seed_quick_example_is_stored(runtime):
    ok = emit_event(StreamllEvent(
        event_id=generate_event_id(),
        execution_id=get_execution_id(),
        timestamp=dt.datetime.now(UTC),
        event_type="my_custom_event",
        module_name="MyModule",
        method_name="forward",
        data={"custom_field": "custom_value", "metrics": {"accuracy": 0.95}},
    ))
    assert ok is True
    assert streamll.flush(10)
    [event] = stored(runtime)
    assert event.event_type == "my_custom_event"
    assert event.module_name == "MyModule" and event.method_name == "forward"
    assert event.data == {"custom_field": "custom_value", "metrics": {"accuracy": 0.95}}
    assert event.timestamp.tzinfo is not None


def test_stored_event_equals_emitted(runtime):
    e = StreamllEvent(execution_id="run-eq", event_type="t", module_name="M", method_name="m", operation="op",
                      timestamp=dt.datetime(2025, 8, 24, 12, 40, 47, 591526, tzinfo=UTC),
                      data={"a": [1, 2.5, "x", None, True], "b": {"c": "ü"}}, tags={"k": "v"})
    assert emit_event(e)
    assert streamll.flush(10)
    with streamll.Store(runtime) as store:
        assert store.get(e.event_id) == e


def test_counters_after_flush(runtime):
    for i in range(250):
        assert emit_event(seed_event(i=i))
    assert streamll.flush(10)
    s = streamll.stats()
    assert s["emitted"] == 250
    assert s["stored"] == 250
    assert s["dropped"] == 0 and s["store_lost"] == 0 and s["invalid"] == 0
    assert len(stored(runtime)) == 250
    assert sorted(e.data["i"] for e in stored(runtime)) == list(range(250))


def test_stats_without_runtime_are_zeros():
    s = streamll.stats()
    assert s["emitted"] == 0 and s["stored"] == 0
    assert streamll.flush(1) is False


def test_emit_helper_and_fields(runtime):
    assert streamll.emit("cache.hit", operation="lookup", data={"key": "k"}, module_name="Cache",
                         tags={"tier": "l1"})
    streamll.context.emit("cache.miss")
    assert streamll.flush(10)
    events = {e.event_type: e for e in stored(runtime)}
    hit = events["cache.hit"]
    assert (hit.operation, hit.module_name, hit.data, hit.tags) == ("lookup", "Cache", {"key": "k"}, {"tier": "l1"})
    assert events["cache.miss"].data == {}
    # Outside any scope, each emit is an execution of its own (as upstream).
    assert hit.execution_id != events["cache.miss"].execution_id


def test_empty_execution_id_is_filled(runtime):
    assert emit_event(StreamllEvent(execution_id="", event_type="t"))
    with streamll.trace("op") as ctx:
        assert emit_event(StreamllEvent(execution_id="", event_type="inside"))
    assert streamll.flush(10)
    events = {e.event_type: e for e in stored(runtime)}
    assert events["t"].execution_id != ""
    assert events["inside"].execution_id == ctx.execution_id


def test_set_context_merged_beneath_data(runtime):
    streamll.set_context(user_id="u1", session="s1")
    emit_event(seed_event("a", x=1))
    emit_event(seed_event("b", user_id="own"))  # the event's own key wins
    streamll.set_context(other=2)  # replaces, does not merge
    emit_event(seed_event("c"))
    streamll.set_context()  # clears
    emit_event(seed_event("d", y=1))
    assert streamll.flush(10)
    events = {e.event_type: e.data for e in stored(runtime)}
    assert events["a"] == {"user_id": "u1", "session": "s1", "x": 1}
    assert events["b"] == {"user_id": "own", "session": "s1"}
    # The pairs first, in their order; an own key keeps the pair's place.
    assert list(events["a"]) == ["user_id", "session", "x"] and list(events["b"]) == ["user_id", "session"]
    assert events["c"] == {"other": 2}
    assert events["d"] == {"y": 1}


def test_set_context_non_json_value_is_type_error(runtime):
    streamll.set_context(bad={1, 2}, fine=1)
    with pytest.raises(TypeError, match=r"field 'set_context\.bad'"):
        emit_event(seed_event())
    assert emit_event(seed_event("own", bad=2))  # the event's own value replaces the pair's
    streamll.set_context(fine=1)
    with pytest.raises(TypeError, match=r"field 'data\.x'"):
        emit_event(seed_event(x={3}))
    streamll.set_context()
    assert emit_event(seed_event())


def test_event_filter(runtime):
    streamll.configure(event_filter=["rag.*", "keep"], permanent=True)
    assert emit_event(seed_event("rag.retrieval.start")) is True
    assert emit_event(seed_event("keep")) is True
    assert emit_event(seed_event("drop")) is False
    assert emit_event(seed_event("keeper")) is False  # exact, not a prefix
    assert streamll.flush(10)
    assert streamll.stats()["filtered"] == 2
    assert sorted(e.event_type for e in stored(runtime)) == ["keep", "rag.retrieval.start"]
    # An empty filter keeps everything.
    streamll.configure(event_filter=[], permanent=True)
    assert emit_event(seed_event("drop")) is True


def test_with_configure_restores_filter(runtime):
    with streamll.configure(event_filter=["only"]):
        assert emit_event(seed_event("other")) is False
        assert emit_event(seed_event("only")) is True
    assert emit_event(seed_event("other")) is True
    # Without permanent=True and outside `with`, configure changes nothing.
    streamll.configure(event_filter=["only"])
    assert emit_event(seed_event("other")) is True
    assert streamll.flush(10)
    assert sorted(e.event_type for e in stored(runtime)) == ["only", "other", "other"]


class Collect:
    def __init__(self):
        self.events = []

    def handle_event(self, event):
        self.events.append(event)


def test_configure_sinks_while_running_and_with_block(runtime):
    first, second = Collect(), Collect()
    streamll.configure(sinks=[first], permanent=True)
    emit_event(seed_event("one"))
    assert streamll.flush(10)
    with streamll.configure(sinks=[second]):
        emit_event(seed_event("two"))
        assert streamll.flush(10)
    emit_event(seed_event("three"))
    assert streamll.flush(10)
    assert [e.event_type for e in first.events] == ["one", "three"]
    assert [e.event_type for e in second.events] == ["two"]
    # The store got all of them whatever the sinks.
    assert sorted(e.event_type for e in stored(runtime)) == ["one", "three", "two"]
    # An empty list clears the sinks.
    streamll.configure(sinks=[], permanent=True)
    emit_event(seed_event("four"))
    assert streamll.flush(10)
    assert [e.event_type for e in first.events] == ["one", "three"]
    assert streamll.stats()["sinks"] == []


def test_configure_sink_without_handle_event_is_type_error(runtime):
    with pytest.raises(TypeError, match="handle_event"):
        streamll.configure(sinks=[object()], permanent=True)


def test_configure_before_init_applies_to_next_runtime(store_path):
    sink = Collect()
    streamll.configure(sinks=[sink], event_filter=["x"], permanent=True)
    streamll.init(store_path, flush_interval=0.05)
    emit_event(seed_event("x"))
    emit_event(seed_event("y"))
    assert streamll.flush(10)
    assert [e.event_type for e in sink.events] == ["x"]


# --- bad input at emit -------------------------------------------------------

def test_bad_data_at_emit_names_the_path_and_loses_nothing(runtime):
    for i in range(10):
        assert emit_event(seed_event("good", i=i))
    with pytest.raises(TypeError, match=r"data\.x"):
        emit_event(StreamllEvent(execution_id="r", event_type="bad", data={"x": {1, 2, 3}}))
    with pytest.raises(TypeError, match=r"data\.a\[1\]"):
        emit_event(StreamllEvent(execution_id="r", event_type="bad", data={"a": [1, object()]}))
    with pytest.raises(TypeError, match=r"data\.docs\[0\]\.meta"):
        emit_event(StreamllEvent(execution_id="r", event_type="bad", data={"docs": [{"meta": frozenset()}]}))
    with pytest.raises(ValueError, match=r"data\.s"):
        emit_event(StreamllEvent(execution_id="r", event_type="bad", data={"s": "\ud83d"}))
    for i in range(10, 20):
        assert emit_event(seed_event("good", i=i))
    assert streamll.flush(10)
    events = stored(runtime)
    assert sorted(e.data["i"] for e in events) == list(range(20))
    assert all(e.event_type == "good" for e in events)
    s = streamll.stats()
    assert s["emitted"] == s["stored"] == 20


def test_bad_fields_changed_after_construction_are_caught_at_emit(runtime):
    e = StreamllEvent(execution_id="r", event_type="t")
    e.timestamp = dt.datetime(2025, 1, 1)  # naive, set after the checks
    with pytest.raises(ValueError, match="timestamp"):
        emit_event(e)
    e = StreamllEvent(execution_id="r", event_type="t")
    e.tags = {"k": 1}
    with pytest.raises(TypeError, match=r"tags\.k"):
        emit_event(e)
    e = StreamllEvent(execution_id="r", event_type="t")
    e.event_type = ""
    with pytest.raises(ValueError, match="event_type"):
        emit_event(e)
    e = StreamllEvent(execution_id="r", event_type="t")
    e.data = "not a dict"
    with pytest.raises(TypeError, match="data"):
        emit_event(e)
    e = StreamllEvent(execution_id="r\ud800", event_type="t")
    with pytest.raises(ValueError, match="execution_id"):
        emit_event(e)
    with pytest.raises((TypeError, AttributeError)):
        emit_event({"event_type": "not an event"})
    assert emit_event(seed_event("after"))
    assert streamll.flush(10)
    assert [e.event_type for e in stored(runtime)] == ["after"]


def test_deep_nesting_is_refused(runtime):
    data: dict = {}
    inner = data
    for _ in range(1200):
        inner["n"] = {}
        inner = inner["n"]
    with pytest.raises(ValueError, match="data"):
        emit_event(StreamllEvent(execution_id="r", event_type="deep", data=data))
    assert emit_event(seed_event("after"))


def test_redaction_of_secret_keys(runtime):
    emit_event(seed_event("t", api_key="sk-123", nested={"Password": "p", "fine": 1}))
    assert streamll.flush(10)
    [e] = stored(runtime)
    assert e.data == {"api_key": "[REDACTED]", "nested": {"Password": "[REDACTED]", "fine": 1}}


def test_init_twice_and_bad_arguments(runtime, tmp_path):
    with pytest.raises(streamll.StreamllError):
        streamll.init(tmp_path / "other.db")
    streamll.shutdown()
    with pytest.raises(ValueError, match="overflow"):
        streamll.init(tmp_path / "x.db", overflow="explode")
    with pytest.raises(ValueError, match="flush_interval"):
        streamll.init(tmp_path / "x.db", flush_interval=0)


def test_shutdown_then_init_again(store_path, tmp_path):
    streamll.init(store_path)
    emit_event(seed_event("first"))
    streamll.shutdown()
    streamll.shutdown()  # idempotent
    other = tmp_path / "second.db"
    streamll.init(other)
    emit_event(seed_event("second"))
    streamll.shutdown()
    assert [e.event_type for e in stored(store_path)] == ["first"]
    assert [e.event_type for e in stored(other)] == ["second"]
    # shutdown stored the counters as a streamll.stats event.
    with streamll.Store(store_path) as store:
        assert [e.event_type for e in store.events(type="streamll.stats")] == ["streamll.stats"]


def test_overflow_drop_newest_counts(tmp_path):
    streamll.init(tmp_path / "newest.db", buffer_size=8, batch_size=4, overflow="drop_newest")
    results = [emit_event(seed_event(i=i)) for i in range(5000)]
    assert streamll.flush(10)
    s = streamll.stats()
    # Dropped before the queue accepted them: not emitted, emit returned False.
    assert s["emitted"] + s["dropped"] == 5000
    assert s["stored"] == s["emitted"] == results.count(True)
    assert s["dropped"] == results.count(False)
    assert len(stored(tmp_path / "newest.db")) == s["stored"]


def test_overflow_drop_oldest_counts(tmp_path):
    streamll.init(tmp_path / "oldest.db", buffer_size=8, batch_size=4, overflow="drop_oldest")
    results = [emit_event(seed_event(i=i)) for i in range(5000)]
    assert streamll.flush(10)
    s = streamll.stats()
    # Accepted, some displaced later by newer ones: the newest is kept.
    assert results.count(True) == s["emitted"] == 5000
    assert s["stored"] + s["dropped"] == 5000
    events = stored(tmp_path / "oldest.db")
    assert len(events) == s["stored"] and max(e.data["i"] for e in events) == 4999


def test_overflow_block_loses_nothing(tmp_path):
    streamll.init(tmp_path / "block.db", buffer_size=8, batch_size=4)
    for i in range(3000):
        assert emit_event(seed_event(i=i))
    assert streamll.flush(10)
    s = streamll.stats()
    assert s["emitted"] == s["stored"] == 3000 and s["dropped"] == 0


def test_many_threads_emitting(runtime):
    import threading

    def work(n):
        for i in range(500):
            assert emit_event(seed_event("thread.emit", n=n, i=i))

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    while any(t.is_alive() for t in threads):
        streamll.flush(10)  # concurrent with the emitters
    for t in threads:
        t.join()
    assert streamll.flush(10)
    s = streamll.stats()
    assert s["emitted"] == s["stored"] == 4000
    with streamll.connect(runtime) as db:
        rows = db.execute("SELECT data ->> '$.n', count(DISTINCT data ->> '$.i') FROM events "
                          "WHERE event_type = 'thread.emit' GROUP BY 1 ORDER BY 1").fetchall()
    assert rows == [(n, 500) for n in range(8)]


def test_values_pydantic_writes_as_null_or_float(runtime):
    emit_event(seed_event("numbers", nan=float("nan"), inf=float("-inf"), big=2**70, ok=2**63))
    assert streamll.flush(10)
    [e] = stored(runtime)
    assert e.data == {"nan": None, "inf": None, "big": float(2**70), "ok": 2**63}


def test_timestamp_out_of_range_at_emit(runtime):
    with pytest.raises(ValueError, match="timestamp"):
        emit_event(StreamllEvent(execution_id="r", event_type="t", timestamp=dt.datetime(1500, 1, 1, tzinfo=UTC)))
    assert emit_event(seed_event())


def test_another_process_cannot_write_the_same_store(runtime, run_py):
    proc = run_py(f"""
        import streamll
        try:
            streamll.init({str(runtime)!r})
        except streamll.StreamllError as e:
            print("code", e.code)
    """)
    assert "code busy" in proc.stdout


# --- a fresh process: the implicit start and interpreter exit ---------------

def test_implicit_start_said_once_and_exit_flushes(run_py, tmp_path):
    db = tmp_path / "implicit.db"
    proc = run_py("""
        from streamll import emit_event
        from streamll.core.events import StreamllEvent, generate_event_id, get_execution_id
        for i in range(500):
            emit_event(StreamllEvent(event_id=generate_event_id(), execution_id=get_execution_id(),
                                     event_type="exit.flush", data={"i": i}))
    """, env={"STREAMLL_DB": str(db)})
    assert proc.stderr.count("streamll: recording events to") == 1, proc.stderr
    assert str(db) in proc.stderr
    events = stored(db)
    assert len(events) == 500
    assert sorted(e.data["i"] for e in events) == list(range(500))


def test_implicit_start_default_path_in_cwd(run_py, tmp_path):
    env_without = {"STREAMLL_DB": ""}
    run_py("""
        import streamll
        streamll.emit("cwd.default")
    """, env=env_without)
    assert (tmp_path / "streamll.db").is_dir()
    assert [e.event_type for e in stored(tmp_path / "streamll.db")] == ["cwd.default"]


def test_implicit_start_failure_said_once_and_emit_is_noop(run_py, tmp_path):
    blocker = tmp_path / "a_file"
    blocker.write_text("not a store")
    proc = run_py("""
        import streamll
        results = [streamll.emit("x") for _ in range(3)]
        print(results)
        streamll.init(%r)
        print(streamll.emit("y"))
    """ % str(tmp_path / "good.db"), env={"STREAMLL_DB": str(blocker / "sub")})
    assert proc.stdout.splitlines() == ["[False, False, False]", "True"], proc.stdout + proc.stderr
    assert proc.stderr.count("cannot record events") == 1
    assert [e.event_type for e in stored(tmp_path / "good.db")] == ["y"]


def test_model_dump_json_matches_stored_export(runtime):
    e = seed_event("json.form", n=1)
    emit_event(e)
    assert streamll.flush(10)
    [back] = stored(runtime)
    assert json.loads(back.model_dump_json()) == json.loads(e.model_dump_json())


def test_emit_after_the_exit_flush_does_not_start_a_runtime_again(run_py, tmp_path):
    # atexit runs its handlers last-registered first: this one, registered
    # before streamll is imported, emits after streamll's exit flush, as a
    # daemon thread or a late handler would. No runtime may start then (one
    # that would outlive the interpreter, with no flush).
    proc = run_py("""
        import atexit
        def late():
            import streamll
            print("late emit queued:", streamll.emit("late.tick", data={"n": 1}))
        atexit.register(late)
        import streamll
        streamll.init(path="exit.db")
        streamll.emit("early.tick", data={"n": 0})
    """, timeout=60)
    assert "late emit queued: False" in proc.stdout
    assert "recording events to" not in proc.stderr
    with streamll.Store(tmp_path / "exit.db") as store:
        assert [e.event_type for e in store.events() if e.event_type.endswith(".tick")] == ["early.tick"]


def test_integers_beyond_64_bits_keep_every_digit_from_emit_to_sql_and_back(runtime):
    big = {"n": 123456789012345678901234567890, "m": -98765432109876543210, "u": 2**64 - 1, "v": 2**64,
           "list": [10**300, -(2**63) - 1], "small": -(2**63)}
    e = StreamllEvent(execution_id="big-ints", event_type="t", data=big)
    assert emit_event(e)
    assert streamll.emit("t2", data={"n": 2**70})
    assert streamll.flush(10)
    with streamll.Store(runtime) as store:
        back = store.get(e.event_id)
        assert back == e and back.data == big
        assert [x.data for x in store.events(execution_id="big-ints")] == [big]
    with streamll.connect(runtime) as db:
        [text] = db.execute("SELECT data FROM events WHERE execution_id = 'big-ints'").fetchone()
    assert text == ('{"n":123456789012345678901234567890,"m":-98765432109876543210,"u":18446744073709551615,'
                    '"v":18446744073709551616,"list":[1' + "0" * 300 + ',-9223372036854775809],'
                    '"small":-9223372036854775808}')
    assert json.loads(text) == big


def test_data_text_is_what_the_cpp_json_writer_makes(runtime):
    # Python data is written as JSON text on the caller's thread, not built
    # as a tree: the stored text is the C++ writer's form (nlohmann's number
    # spelling, raw UTF-8, control characters escaped).
    data = {"f": 0.1, "g": 1e21, "h": 1.0, "z": -0.0, "t": 1e-7, "nan": float("nan"), "s": 'é"\x01/',
            "l": [True, None, (1, "a")], "d": {}}
    assert emit_event(StreamllEvent(execution_id="text", event_type="t", data=data))
    assert streamll.flush(10)
    with streamll.connect(runtime) as db:
        [text] = db.execute("SELECT data FROM events WHERE execution_id = 'text'").fetchone()
    assert text == ('{"f":0.1,"g":1e+21,"h":1.0,"z":-0.0,"t":1e-07,"nan":null,"s":"é\\"\\u0001/",'
                    '"l":[true,null,[1,"a"]],"d":{}}')


def test_an_emit_while_converting_data_leaves_the_outer_event_whole(runtime):
    # model_dump() is the application's code; it may emit (an instrumented
    # call) while the outer event's data is half written.
    class Doc:
        def model_dump(self):
            assert emit_event(StreamllEvent(execution_id="inner", event_type="inner", data={"k": "v" * 40}))
            return {"title": "t", "n": [1, 2]}

    outer = {"before": "x" * 30, "doc": Doc(), "after": [0.5]}
    assert emit_event(StreamllEvent(execution_id="outer", event_type="outer", data=outer))
    assert streamll.flush(10)
    events = {e.event_type: e.data for e in stored(runtime)}
    assert events["outer"] == {"before": "x" * 30, "doc": {"title": "t", "n": [1, 2]}, "after": [0.5]}
    assert events["inner"] == {"k": "v" * 40}


def test_an_integer_beyond_a_json_number_is_refused_and_nothing_is_stored(runtime):
    with pytest.raises(ValueError, match=r"field 'data.x'"):
        emit_event(StreamllEvent(execution_id="big-int", event_type="t", data={"x": 10**400}))
    assert streamll.flush(10)
    with streamll.Store(runtime) as store:
        assert list(store.events(execution_id="big-int")) == []


def test_a_dot_ended_event_filter_is_a_prefix(runtime):
    with streamll.configure(event_filter=["rag."]):
        assert streamll.emit("rag.retrieval.start", data={})
        assert not streamll.emit("llm.call", data={})
    assert streamll.flush(10)

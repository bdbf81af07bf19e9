"""Reading the store: connect() (a sqlite3.Connection), Store's iterators,
get, replay, and readers beside a live writer in another process."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import sqlite3
import subprocess
import sys
import textwrap
import time

import pytest

import streamll
from streamll import emit_event
from streamll.core.events import StreamllEvent

from conftest import wait_until

UTC = dt.timezone.utc
T0 = dt.datetime(2025, 8, 24, 12, 0, 0, tzinfo=UTC)


@pytest.fixture
def filled(runtime):
    """A store with two executions at known times:
    run-a: start, rag.retrieval.start, rag.retrieval.complete, end (t0..t0+3s)
    run-b: start, error (t0+10s, t0+12s)."""
    plan = [("run-a", 0, "start", {}), ("run-a", 1, "rag.retrieval.start", {"query": "q"}),
            ("run-a", 2, "rag.retrieval.complete", {"num_docs": 3, "doc_ids": ["d1", "d2", "d3"]}),
            ("run-a", 3, "end", {"duration_seconds": 3.0}),
            ("run-b", 10, "start", {}), ("run-b", 12, "error", {"error_message": "boom"})]
    events = []
    for execution, offset, event_type, data in plan:
        e = StreamllEvent(execution_id=execution, event_type=event_type, timestamp=T0 + dt.timedelta(seconds=offset),
                          module_name="RAG", data=data, tags={"env": "test"})
        events.append(e)
        assert emit_event(e)
    assert streamll.flush(10)
    return runtime, events


def test_connect_is_a_sqlite3_connection(filled):
    path, events = filled
    db = streamll.connect(path)
    try:
        assert isinstance(db, sqlite3.Connection)
        rows = db.execute("SELECT event_type, count(*) FROM events GROUP BY 1 ORDER BY 1").fetchall()
        assert dict(rows) == {"end": 1, "error": 1, "rag.retrieval.complete": 1, "rag.retrieval.start": 1,
                              "start": 2}
        # A DB-API cursor with parameters.
        cur = db.cursor()
        cur.execute("SELECT event_id, module_name FROM events WHERE execution_id = ? ORDER BY ts_ns", ("run-b",))
        assert cur.fetchall() == [(events[4].event_id, "RAG"), (events[5].event_id, "RAG")]
        assert [d[0] for d in cur.description] == ["event_id", "module_name"]
    finally:
        db.close()


def test_sql_json_functions(filled):
    path, _ = filled
    with streamll.connect(path) as db:
        assert db.execute("SELECT data ->> '$.num_docs' FROM events WHERE event_type = 'rag.retrieval.complete'"
                          ).fetchone() == (3,)
        assert db.execute("SELECT json_extract(data, '$.query') FROM events WHERE event_type = ?",
                          ("rag.retrieval.start",)).fetchone() == ("q",)
        doc_ids = db.execute("SELECT j.value FROM events, json_each(events.data, '$.doc_ids') AS j "
                             "ORDER BY j.value").fetchall()
        assert doc_ids == [("d1",), ("d2",), ("d3",)]
        assert db.execute("SELECT DISTINCT tags ->> '$.env' FROM events").fetchall() == [("test",)]
        assert db.execute("SELECT timestamp FROM events WHERE event_type = 'rag.retrieval.start'"
                          ).fetchone() == ("2025-08-24T12:00:01.000000Z",)
        assert db.execute("SELECT count(*) FROM events WHERE event_type LIKE 'rag.%'").fetchone() == (2,)


def test_sql_executions_and_event_types(filled):
    path, _ = filled
    with streamll.connect(path) as db:
        rows = db.execute("SELECT execution_id, event_count, error_count, duration_ms FROM executions "
                          "ORDER BY execution_id").fetchall()
        assert rows == [("run-a", 4, 0, 3000), ("run-b", 2, 1, 2000)]
        types = dict(db.execute("SELECT event_type, count FROM event_types").fetchall())
        assert types["start"] == 2
        keys = db.execute("SELECT data_keys FROM event_types WHERE event_type = 'rag.retrieval.complete'"
                          ).fetchone()[0]
        assert sorted(json.loads(keys)) == ["doc_ids", "num_docs"]


def test_sql_tables_are_read_only(filled):
    path, _ = filled
    with streamll.connect(path) as db:
        with pytest.raises(sqlite3.DatabaseError):
            db.execute("DELETE FROM events")


def test_connect_default_path_and_missing_store(tmp_path, monkeypatch, filled):
    path, _ = filled
    monkeypatch.setenv("STREAMLL_DB", str(path))
    with streamll.connect() as db:
        assert db.execute("SELECT count(*) FROM events").fetchone() == (6,)
    with pytest.raises(FileNotFoundError):
        streamll.connect(tmp_path / "nope.db")
    with pytest.raises(FileNotFoundError):
        streamll.Store(tmp_path / "nope.db")


def test_connect_sqlite_options(filled):
    path, _ = filled
    import threading

    db = streamll.connect(path, check_same_thread=False)
    result = []
    t = threading.Thread(target=lambda: result.append(db.execute("SELECT count(*) FROM events").fetchone()))
    t.start()
    t.join()
    db.close()
    assert result == [(6,)]


def test_store_executions(filled):
    path, _ = filled
    with streamll.Store(path) as store:
        runs = store.executions()
        assert [r.execution_id for r in runs] == ["run-a", "run-b"]
        a, b = runs
        assert a.started_at == T0 and a.ended_at == T0 + dt.timedelta(seconds=3)
        assert a.duration_seconds == pytest.approx(3.0)
        assert (a.event_count, a.error_count) == (4, 0)
        assert (b.event_count, b.error_count) == (2, 1)
        assert isinstance(a, streamll.Execution)
        types = {t.event_type: t for t in store.event_types()}
        assert types["start"].count == 2 and isinstance(types["start"], streamll.EventType)


def test_store_events_filters(filled):
    path, events = filled
    with streamll.Store(path) as store:
        every = list(store.events())
        assert every == events  # time order
        assert list(store.events(execution_id="run-b")) == events[4:]
        assert list(store.events(since=T0 + dt.timedelta(seconds=2))) == events[2:]
        assert list(store.events(until=T0 + dt.timedelta(seconds=2))) == events[:2]  # until is exclusive
        assert list(store.events(since="2025-08-24T12:00:01Z", until="2025-08-24T12:00:11Z")) == events[1:5]
        assert list(store.events(type="start")) == [events[0], events[4]]
        assert list(store.events(type="rag.retrieval.start")) == [events[1]]
        assert list(store.events(type="rag.*")) == events[1:3]
        assert list(store.events(type="rag.")) == events[1:3]
        assert list(store.events(type="rag")) == []  # exact
        assert list(store.events(execution_id="run-a", type="end")) == [events[3]]
        assert list(store.events(execution_id="unknown")) == []
        with pytest.raises(TypeError):
            list(store.events(since=12))
        with pytest.raises(ValueError):
            list(store.events(since=dt.datetime(2025, 1, 1)))  # naive


def test_store_events_is_lazy_and_large(runtime):
    for i in range(1000):
        emit_event(StreamllEvent(execution_id="big", event_type="n", data={"i": i}))
    assert streamll.flush(10)
    with streamll.Store(runtime) as store:
        it = store.events(execution_id="big")
        assert next(it).data == {"i": 0}
        assert [e.data["i"] for e in it] == list(range(1, 1000))


def test_store_get(filled):
    path, events = filled
    with streamll.Store(path) as store:
        assert store.get(events[2].event_id) == events[2]
        assert store.get("no-such-event") is None
        assert store.last_seq >= 6


def test_store_closed(filled):
    path, _ = filled
    store = streamll.Store(path)
    store.close()
    with pytest.raises(ValueError):
        store.executions()


def test_store_query_and_verify(filled):
    path, _ = filled
    with streamll.Store(path) as store:
        assert store.query("SELECT count(*) FROM events WHERE execution_id = ?", ("run-a",)) == [(4,)]
        report = store.verify()
        assert report["ok"] is True and report["events"] == 6 and report["problem_count"] == 0


def test_store_stats_and_backup(filled, tmp_path):
    path, _ = filled
    with streamll.Store(path) as store:
        st = store.stats()
        assert (st["events"], st["executions"], st["last_seq"]) == (6, 2, 6)
        assert st["oldest"] == T0 and st["newest"] == T0 + dt.timedelta(seconds=12)
        assert set(st["families"]) == {"default", "blocks", "by_execution", "by_time", "by_id", "executions", "types"}
        assert st["disk_bytes"] > 0 and st["replication"] == []
        copied = store.backup(tmp_path / "copy")
        assert copied["events"] == 6 and copied["bytes"] > 0 and copied["removed_partial"] is False
        with pytest.raises(ValueError, match="exists; a backup makes a new directory"):
            store.backup(tmp_path / "copy")
    with streamll.Store(tmp_path / "copy") as copy:
        assert sorted(x.execution_id for x in copy.executions()) == ["run-a", "run-b"]
        assert copy.verify()["ok"] is True


def test_replay(filled):
    path, events = filled
    got = []
    with streamll.Store(path) as store:
        result = store.replay("run-a", got.append, max_speed=True)
        assert got == events[:4]
        assert result["delivered"] == result["total"] == 4 and not result["cancelled"]
        # Paced: 3 s of recorded gaps at 100x is 30 ms.
        got.clear()
        result = store.replay("run-a", got.append, speed=100.0)
        assert got == events[:4]
        assert result["elapsed_s"] >= 0.02
        with pytest.raises(streamll.StreamllError) as raised:
            store.replay("no-such-run", got.append)
        assert raised.value.code == "not_found"


def test_replay_handler_exception_stops_it(filled):
    path, _ = filled
    seen = []

    def handler(e):
        seen.append(e)
        if len(seen) == 2:
            raise LookupError("stop here")

    with streamll.Store(path) as store:
        with pytest.raises(LookupError, match="stop here"):
            store.replay("run-a", handler, max_speed=True)
    assert len(seen) == 2


def test_to_pandas(filled):
    pytest.importorskip("pandas")
    path, _ = filled
    with streamll.Store(path) as store:
        frame = store.to_pandas("SELECT event_type, count(*) AS n FROM events GROUP BY 1 ORDER BY 1")
    assert list(frame["event_type"]) == ["end", "error", "rag.retrieval.complete", "rag.retrieval.start", "start"]


def test_reader_sees_this_process_writer_live(runtime):
    with streamll.Store(runtime) as store, streamll.connect(runtime) as db:
        assert list(store.events()) == []
        for round_ in range(1, 4):
            emit_event(StreamllEvent(execution_id="live", event_type="tick", data={"n": round_}))
            assert streamll.flush(10)
            assert len(list(store.events(execution_id="live"))) == round_
            assert db.execute("SELECT count(*) FROM events WHERE execution_id = 'live'").fetchone() == (round_,)


WRITER = """
import sys, time, streamll
streamll.init(sys.argv[1], flush_interval=0.02)
n = 0
print("ready", flush=True)
while True:
    for _ in range(10):
        streamll.emit("writer.tick", data={"n": n})
        n += 1
    streamll.flush(10)
    if n >= int(sys.argv[2]):
        break
    time.sleep(0.01)
streamll.shutdown()
print("done", n, flush=True)
"""


def test_connect_beside_a_live_writer_in_another_process(store_path, child_env):
    writer = subprocess.Popen([sys.executable, "-c", textwrap.dedent(WRITER), str(store_path), "1500"],
                              env=child_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert writer.stdout.readline().strip() == "ready"
        wait_until(lambda: store_path.is_dir(), 10)
        seen = []
        with streamll.connect(store_path) as db, streamll.Store(store_path) as store:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and (len(seen) < 3 or writer.poll() is None):
                count = db.execute("SELECT count(*) FROM events WHERE event_type = 'writer.tick'").fetchone()[0]
                if not seen or count > seen[-1]:
                    seen.append(count)
                if writer.poll() is not None and len(seen) >= 2:
                    break
                time.sleep(0.02)
            assert len(seen) >= 3, seen  # the count grew while the writer wrote
            assert seen == sorted(seen)
            # Store's iterators read the live store too.
            assert sum(1 for _ in store.events(type="writer.tick")) >= seen[-1]
        out, err = writer.communicate(timeout=30)
        assert writer.returncode == 0, err
        total = int(out.split()[-1])
        with streamll.connect(store_path) as db:
            assert db.execute("SELECT count(*) FROM events WHERE event_type = 'writer.tick'").fetchone() == (total,)
            assert db.execute("SELECT min(data ->> '$.n'), max(data ->> '$.n') FROM events "
                              "WHERE event_type = 'writer.tick'").fetchone() == (0, total - 1)
    finally:
        if writer.poll() is None:
            writer.kill()
            writer.wait()


def test_replay_pacing_releases_the_gil(filled):
    """While replay waits out the recorded gaps, other Python threads run."""
    import threading

    path, _ = filled
    ticks = [0]
    done = threading.Event()

    def spin():
        while not done.is_set():
            ticks[0] += 1

    at_event = []
    thread = threading.Thread(target=spin)
    thread.start()
    try:
        with streamll.Store(path) as store:
            # 3 s of gaps: 0.3 s, so the spinner is scheduled in each gap on a loaded machine
            # (at 33 ms a gap it once was not, beside two compilers)
            store.replay("run-a", lambda e: at_event.append(ticks[0]), speed=10.0)
    finally:
        done.set()
        thread.join()
    assert len(at_event) == 4
    assert all(later > earlier for earlier, later in zip(at_event, at_event[1:])), at_event


def test_not_a_store(tmp_path):
    (tmp_path / "plain").mkdir()
    with pytest.raises(streamll.StreamllError) as raised:
        streamll.Store(tmp_path / "plain")
    assert raised.value.code == "not_found"
    with pytest.raises(sqlite3.OperationalError, match="no store"):
        streamll.connect(tmp_path / "plain")


def test_pandas_read_sql_on_connect(filled):
    pandas = pytest.importorskip("pandas")
    path, _ = filled
    with contextlib.closing(streamll.connect(path)) as db:
        frame = pandas.read_sql("SELECT execution_id, event_type, data->>'$.num_docs' AS num_docs FROM events "
                                "WHERE execution_id = ? ORDER BY ts_ns", db, params=("run-a",))
    assert list(frame.columns) == ["execution_id", "event_type", "num_docs"]
    assert len(frame) == 4
    assert set(frame["execution_id"]) == {"run-a"}
    assert list(frame["num_docs"].dropna()) == [3]


def test_closing_the_store_during_a_replay_is_safe(filled):
    path, _ = filled
    store = streamll.Store(path)
    seen = []

    def handler(event):
        seen.append(event.event_type)
        store.close()  # the replay holds the store until it ends

    store.replay("run-a", handler, max_speed=True)
    assert len(seen) == 4
    with pytest.raises(ValueError, match="closed"):
        store.executions()


def test_retention_prunes_old_executions_in_the_background(store_path):
    streamll.init(store_path, flush_interval=0.05, record_stats=False,
                  retention={"keep_executions": 2, "interval": 0.1})
    try:
        for i in range(5):
            emit_event(StreamllEvent(execution_id=f"run-{i}", event_type="start",
                                     timestamp=T0 + dt.timedelta(seconds=i)))
        assert streamll.flush(10)

        def remaining():
            with streamll.Store(store_path) as store:
                ids = sorted(x.execution_id for x in store.executions())
            return ids if ids == ["run-3", "run-4"] else None

        assert wait_until(remaining) == ["run-3", "run-4"]  # the newest two, whole
    finally:
        streamll.shutdown()


def test_retention_options_are_checked(store_path):
    with pytest.raises(ValueError, match="retention: give at least one of max_age"):
        streamll.init(store_path, retention={"interval": 5})
    with pytest.raises(ValueError, match=r"retention.max_age: must be a positive number of seconds"):
        streamll.init(store_path, retention={"max_age": -1})
    with pytest.raises(ValueError, match=r"retention.keep_executions: must be a whole number"):
        streamll.init(store_path, retention={"keep_executions": "2"})
    with pytest.raises(ValueError, match="unknown key 'max_days'"):
        streamll.init(store_path, retention={"max_days": 3})
    assert not store_path.exists()  # nothing started, no store made
    streamll.init(store_path, retention={"max_age": dt.timedelta(days=30)})
    streamll.shutdown()

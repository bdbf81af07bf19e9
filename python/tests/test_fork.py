"""os.fork() with a running runtime: the child does not inherit the
writer (its emits are no-ops, said once) until it init()s another store;
the parent loses nothing. Run in a fresh process each: forking the pytest
process itself would copy its runtime and threads."""

from __future__ import annotations

import json

import pytest

import streamll


def stored(path) -> list:
    with streamll.Store(path) as store:
        return [e for e in store.events() if e.event_type != "streamll.stats"]


FORK_CHILD = """
import json, os, sys
import streamll

parent_db, child_db = sys.argv[1], sys.argv[2]
streamll.init(parent_db, flush_interval=0.05)
for i in range(100):
    streamll.emit("parent.before", data={"i": i})

r, w = os.pipe()
pid = os.fork()
if pid == 0:
    os.close(r)
    report = {}
    try:
        report["emits"] = [streamll.emit("child.noop", data={"i": i}) for i in range(3)]
        report["flush"] = streamll.flush(1)
        streamll.init(child_db, flush_interval=0.05)
        report["after_init"] = [streamll.emit("child.recorded", data={"i": i}) for i in range(5)]
        report["flushed"] = streamll.flush(10)
        report["stored"] = streamll.stats()["stored"]
        streamll.shutdown()
    except BaseException as e:
        report["error"] = repr(e)
    os.write(w, json.dumps(report).encode())
    os.close(w)
    os._exit(0)

os.close(w)
for i in range(100):
    streamll.emit("parent.after", data={"i": i})
chunks = []
while True:
    chunk = os.read(r, 65536)
    if not chunk:
        break
    chunks.append(chunk)
_, status = os.waitpid(pid, 0)
print(b"".join(chunks).decode())
print("child_status", status)
assert streamll.flush(10)
print("parent_stats", json.dumps(streamll.stats()))
"""


def test_fork_child_is_noop_until_init_and_parent_keeps_all(run_py, tmp_path):
    parent_db, child_db = tmp_path / "parent.db", tmp_path / "child.db"
    proc = run_py(FORK_CHILD.replace("sys.argv[1]", repr(str(parent_db))).replace("sys.argv[2]", repr(str(child_db))))
    lines = proc.stdout.splitlines()
    report = json.loads(lines[0])
    assert "error" not in report, report
    assert report["emits"] == [False, False, False]
    assert report["flush"] is False
    assert report["after_init"] == [True] * 5
    assert report["flushed"] is True and report["stored"] == 5
    assert lines[1] == "child_status 0"
    parent_stats = json.loads(lines[2].split(" ", 1)[1])
    assert parent_stats["emitted"] == parent_stats["stored"] == 200
    # Said once, in the child.
    assert proc.stderr.count("forked") == 1, proc.stderr
    # The parent's events are all stored, none of the child's there.
    parent_events = stored(parent_db)
    assert sorted((e.event_type, e.data["i"]) for e in parent_events) == sorted(
        [("parent.before", i) for i in range(100)] + [("parent.after", i) for i in range(100)])
    assert [(e.event_type, e.data["i"]) for e in stored(child_db)] == [("child.recorded", i) for i in range(5)]


def test_fork_child_cannot_take_the_parents_store(run_py, tmp_path):
    parent_db = tmp_path / "parent.db"
    proc = run_py(f"""
        import os, streamll
        streamll.init({str(parent_db)!r})
        streamll.emit("parent")
        pid = os.fork()
        if pid == 0:
            try:
                streamll.init({str(parent_db)!r})
                print("child init: ok")
            except Exception as e:
                print("child init:", type(e).__name__, getattr(e, "code", ""))
            os._exit(0)
        os.waitpid(pid, 0)
        streamll.emit("parent.after")
    """)
    assert "child init: StreamllError busy" in proc.stdout, proc.stdout + proc.stderr
    assert [e.event_type for e in stored(parent_db)] == ["parent", "parent.after"]


def test_fork_without_runtime_child_records_normally(run_py, tmp_path):
    db = tmp_path / "child_only.db"
    run_py(f"""
        import os, streamll
        pid = os.fork()
        if pid == 0:
            streamll.init({str(db)!r})
            streamll.emit("child")
            streamll.shutdown()
            os._exit(0)
        _, status = os.waitpid(pid, 0)
        assert status == 0
    """)
    assert [e.event_type for e in stored(db)] == ["child"]


NORMAL_EXIT = """
import os, sys, streamll
parent_db, child_db, parent_state, child_init = sys.argv[1:5]
streamll.init(parent_db)
streamll.emit("parent")
if parent_state == "shut_down":
    streamll.shutdown()
elif parent_state == "reader":
    streamll.shutdown()
    reader = streamll.Store(parent_db)
    assert len(list(reader.events())) >= 1
pid = os.fork()
if pid == 0:
    if child_init == "yes":
        streamll.init(child_db)
        streamll.emit("child")
    print("child done")  # Python flushes it at its exit
    sys.exit(3)  # a normal exit: atexit handlers, interpreter finalization, exit()
_, status = os.waitpid(pid, 0)
print("child exit code", os.waitstatus_to_exitcode(status))
"""


@pytest.mark.parametrize("child_init", ["no", "yes"])
@pytest.mark.parametrize("parent_state", ["running", "shut_down", "reader"])
def test_forked_child_exits_normally(run_py, tmp_path, parent_state, child_init):
    """A child that ends with sys.exit (not os._exit) in a process that
    opened a store: it used to hang forever or die of SIGSEGV in RocksDB's
    static timer destructor, inherited from the parent."""
    parent_db, child_db = tmp_path / "parent.db", tmp_path / "child.db"
    code = NORMAL_EXIT.replace("sys.argv[1:5]", repr([str(parent_db), str(child_db), parent_state, child_init]))
    proc = run_py(code, timeout=30)
    assert proc.stdout.splitlines() == ["child done", "child exit code 3"], proc.stdout + proc.stderr
    if child_init == "yes":
        assert [e.event_type for e in stored(child_db)] == ["child"]
    assert [e.event_type for e in stored(parent_db)] == ["parent"]

"""The Python package and the CLI on one store: a Python app's events read
back with `streamll export` / `query`, and JSONL the CLI imported (or
exported) read back in Python."""

from __future__ import annotations

import datetime as dt
import json
import subprocess

import streamll
from streamll.core.events import StreamllEvent

UTC = dt.timezone.utc

APP = """
import streamll
from streamll import emit_event
from streamll.core.events import StreamllEvent, generate_event_id, get_execution_id
from datetime import datetime, UTC


class Module:
    def __call__(self, *a, **k):
        return self.forward(*a, **k)


@streamll.instrument
class RAGPipeline(Module):
    def forward(self, question):
        emit_event(StreamllEvent(event_id=generate_event_id(), execution_id=get_execution_id(),
                                 timestamp=datetime.now(UTC), event_type="rag.retrieval.start",
                                 module_name=self.__class__.__name__, method_name="forward",
                                 data={"query": question}))
        emit_event(StreamllEvent(event_id=generate_event_id(), execution_id=get_execution_id(),
                                 timestamp=datetime.now(UTC), event_type="rag.retrieval.complete",
                                 module_name=self.__class__.__name__, method_name="forward",
                                 data={"query": question, "num_docs": 2, "doc_ids": ["a", "b"]}))
        return "answer"


RAGPipeline()("what?")
RAGPipeline()("why?")
"""


def cli_run(cli: str, *args: str, stdin: str | None = None) -> str:
    proc = subprocess.run([cli, *args], capture_output=True, text=True, timeout=60, input=stdin)
    assert proc.returncode == 0, f"{args}: exit {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


def test_python_app_read_back_with_cli(cli, run_py, tmp_path):
    db = tmp_path / "app.db"
    run_py(APP, env={"STREAMLL_DB": str(db)})  # implicit start, flushed at exit

    lines = cli_run(cli, "--db", str(db), "export").splitlines()
    events = [StreamllEvent.model_validate_json(line) for line in lines]
    events = [e for e in events if e.event_type != "streamll.stats"]
    assert [e.event_type for e in events] == ["start", "rag.retrieval.start", "rag.retrieval.complete", "end"] * 2
    assert len({e.execution_id for e in events}) == 2
    assert events[2].data == {"query": "what?", "num_docs": 2, "doc_ids": ["a", "b"]}
    # The export is upstream's JSON, as model_dump_json writes it.
    with streamll.Store(db) as store:
        by_id = {e.event_id: e for e in store.events()}
    for line in lines:
        e = StreamllEvent.model_validate_json(line)
        assert json.loads(line) == json.loads(by_id[e.event_id].model_dump_json())

    rows = json.loads(cli_run(cli, "--db", str(db), "query", "--format", "json",
                              "SELECT data ->> '$.query' AS q, module_name FROM events "
                              "WHERE event_type = 'rag.retrieval.complete' ORDER BY ts_ns"))
    assert rows == [{"q": "what?", "module_name": "RAGPipeline"}, {"q": "why?", "module_name": "RAGPipeline"}]
    csv = cli_run(cli, "--db", str(db), "query", "--format", "csv",
                  "SELECT count(*) AS n FROM executions WHERE event_count = 4")
    assert csv.split() == ["n", "2"]
    only = cli_run(cli, "--db", str(db), "export", "--type", "rag.", "--execution", events[0].execution_id)
    assert [json.loads(x)["event_type"] for x in only.splitlines()] == ["rag.retrieval.start",
                                                                       "rag.retrieval.complete"]


def test_cli_reads_while_python_runtime_writes(cli, runtime):
    streamll.emit("live.one")
    assert streamll.flush(10)
    out = cli_run(cli, "--db", str(runtime), "query", "--format", "csv", "SELECT count(*) AS n FROM events")
    assert out.split() == ["n", "1"]
    streamll.emit("live.two")
    assert streamll.flush(10)
    out = cli_run(cli, "--db", str(runtime), "export", "--type", "live.")
    assert [json.loads(x)["event_type"] for x in out.splitlines()] == ["live.one", "live.two"]


def test_cli_imported_jsonl_read_in_python(cli, tmp_path):
    db = tmp_path / "imported.db"
    source = [StreamllEvent(execution_id="imp-1", event_type=f"step.{i}", module_name="Importer",
                            timestamp=dt.datetime(2025, 3, 1, 10, 0, i, tzinfo=UTC), data={"i": i},
                            tags={"src": "jsonl"}) for i in range(5)]
    jsonl = tmp_path / "in.jsonl"
    lines = [e.model_dump_json() for e in source]
    # Upstream HEAD's own form too: spaced JSON, str(datetime).
    head = source[0].model_dump()
    head.update(event_id="headform0001", event_type="head.form",
                timestamp=str(head["timestamp"] + dt.timedelta(seconds=10)))
    lines.append(json.dumps(head))
    jsonl.write_text("\n".join(lines) + "\n")
    out = cli_run(cli, "--db", str(db), "import", str(jsonl))
    assert "imported 6 events" in out

    with streamll.Store(db) as store:
        got = list(store.events(execution_id="imp-1"))
    assert got[:5] == source
    assert got[5].event_id == "headform0001"
    assert got[5].timestamp == source[0].timestamp + dt.timedelta(seconds=10)
    with streamll.connect(db) as conn:
        assert conn.execute("SELECT sum(data ->> '$.i') FROM events WHERE tags ->> '$.src' = 'jsonl'"
                            ).fetchone() == (10,)


def test_python_jsonl_sink_imported_by_cli(cli, runtime, tmp_path):
    jsonl = tmp_path / "sink.jsonl"
    streamll.configure(sinks=[streamll.JsonlSink(jsonl)], permanent=True)
    with streamll.trace("job") as ctx:
        ctx.emit("job.step", n=1)
    assert streamll.flush(10)
    other = tmp_path / "copy.db"
    assert "imported 3 events" in cli_run(cli, "--db", str(other), "import", str(jsonl))
    with streamll.Store(other) as copy, streamll.Store(runtime) as original:
        assert list(copy.events()) == [e for e in original.events() if e.event_type != "streamll.stats"]

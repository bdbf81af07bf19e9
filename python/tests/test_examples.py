"""python/examples: each runs with `python3 FILE [STORE]` and records the
seed's event types; the consumer example reads a real Redis stream."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import streamll
from streamll.core.events import StreamllEvent

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"

EXPECTED = {
    "quick_example.py": {"my_custom_event"},
    "rag_with_events.py": {"start", "end", "error", "rag.retrieval.start", "rag.retrieval.complete",
                           "rag.reranking", "rag.generation.start"},
    "data_processing.py": {"start", "end", "data.validation", "data.cleaning", "data.transformation"},
    "model_selection.py": {"start", "end", "model.selection"},
    "performance_monitoring.py": {"start", "end", "performance.metrics"},
    "emit_custom.py": {"retrieval.start", "cache.hit"},
}


def run_example(name: str, args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(EXAMPLES / name), *args], env=env, cwd=EXAMPLES,
                          capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_example_records_the_seed_types(name, tmp_path, child_env):
    if not (EXAMPLES / name).exists():
        pytest.skip(f"{name} is not among the examples")
    db = tmp_path / "example.db"
    proc = run_example(name, [str(db)], child_env())
    assert proc.returncode == 0, proc.stdout + proc.stderr
    with streamll.Store(db) as store:
        types = {e.event_type for e in store.events()} - {"streamll.stats"}
        executions = store.executions()
    assert EXPECTED[name] <= types, types
    if "start" in EXPECTED[name]:
        # Instrumented runs: every event of an execution between its start and end/error.
        with streamll.Store(db) as store:
            for run in executions:
                events = [e for e in store.events(execution_id=run.execution_id) if e.event_type != "streamll.stats"]
                if events and events[0].event_type == "start":
                    assert events[-1].event_type in ("end", "error")


def test_consumer_example(redis_server, child_env):
    for i, event_type in enumerate(["rag.retrieval.complete", "performance.metrics", "error", "other"]):
        e = StreamllEvent(execution_id="x", event_type=event_type, module_name="M",
                          data={"num_docs": 0, "duration_seconds": 0.5, "throughput": 10.0,
                                "error_message": "boom"})
        redis_server.command("XADD", "streamll_events", "*", "message", e.model_dump_json())
    proc = run_example("consumer.py", [redis_server.url, "--drain"], child_env())
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "ALERT: No documents retrieved!" in proc.stdout
    assert "read 4 entries; 1 metrics, 2 alerts" in proc.stdout

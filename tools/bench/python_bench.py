"""The measuring half of `streamll-bench python` (python.cpp runs it and
reports): from Python, the same seed-sized events through
  streamll:   emit_event(StreamllEvent(...)) into the C++ runtime and store;
  json_file:  the event's dict, json.dumps, appended to a file, flushed per
              100-event batch (no fsync: the store's default durability is
              the WAL without fsync too);
  sqlite:     inserts into an indexed WAL table, 1000 rows per transaction.
Each side builds its event the same way (a 12-character id, datetime.now
(UTC), the same data). Per-event caller cost is timed around each call with
perf_counter_ns in a run where streamll's queue never fills (its buffer
holds every event); end to end is events made durable per second, from the
first event to flush() (streamll with its default 1000-event buffer) or to
the last write/commit. Prints one JSON object of the figures."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import secrets
import sqlite3
import time

import streamll
from streamll import emit_event
from streamll.core.events import StreamllEvent, generate_event_id

UTC = dt.timezone.utc


def seed_data(i: int) -> dict:
    return {"query": f"What is retrieval-augmented generation, question {i}?", "num_docs": 5,
            "doc_ids": [f"doc-{i % 97}-{k}" for k in range(5)], "scores": [0.91, 0.84, 0.62, 0.55, 0.31]}


def percentile(samples: list[int], q: float) -> float:
    ordered = sorted(samples)
    return float(ordered[min(len(ordered) - 1, int(q * len(ordered)))])


def streamll_pass(path: str, n: int, execution_id: str, buffer_size: int) -> tuple[list[int], float]:
    streamll.init(path=path, buffer_size=buffer_size, record_stats=False)
    data = [seed_data(i) for i in range(n)]
    samples = [0] * n
    clock = time.perf_counter_ns
    start = time.perf_counter()
    for i in range(n):
        t0 = clock()
        emit_event(StreamllEvent(event_id=generate_event_id(), execution_id=execution_id,
                                 timestamp=dt.datetime.now(UTC), event_type="rag.retrieval.complete",
                                 module_name="RAGPipeline", method_name="forward", data=data[i]))
        samples[i] = clock() - t0
    if not streamll.flush():
        raise SystemExit("streamll: flush failed")
    seconds = time.perf_counter() - start
    stored = streamll.stats()["stored"]
    streamll.shutdown()
    if stored != n:
        raise SystemExit(f"streamll stored {stored} of {n} events")
    return samples, seconds


def event_dict(i: int, execution_id: str, data: dict) -> dict:
    return {"event_id": secrets.token_urlsafe(9), "execution_id": execution_id,
            "timestamp": dt.datetime.now(UTC).isoformat(), "module_name": "RAGPipeline",
            "method_name": "forward", "event_type": "rag.retrieval.complete", "operation": None,
            "data": data, "tags": {}}


def json_file_pass(path: str, n: int, execution_id: str) -> tuple[list[int], float]:
    data = [seed_data(i) for i in range(n)]
    samples = [0] * n
    clock = time.perf_counter_ns
    start = time.perf_counter()
    with open(path, "a", encoding="utf-8") as out:
        lines: list[str] = []
        for i in range(n):
            t0 = clock()
            lines.append(json.dumps(event_dict(i, execution_id, data[i])))
            if len(lines) == 100:
                out.write("\n".join(lines) + "\n")
                out.flush()
                lines.clear()
            samples[i] = clock() - t0
        out.write("".join(line + "\n" for line in lines))
        out.flush()
    return samples, time.perf_counter() - start


def sqlite_pass(path: str, n: int, execution_id: str) -> tuple[list[int], float]:
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("CREATE TABLE events (event_id TEXT PRIMARY KEY, execution_id TEXT, timestamp TEXT, "
               "module_name TEXT, method_name TEXT, event_type TEXT, operation TEXT, data TEXT, tags TEXT)")
    db.execute("CREATE INDEX events_by_execution ON events (execution_id, timestamp)")
    db.execute("CREATE INDEX events_by_time ON events (timestamp)")
    data = [seed_data(i) for i in range(n)]
    samples = [0] * n
    clock = time.perf_counter_ns
    insert = "INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
    start = time.perf_counter()
    db.execute("BEGIN")
    for i in range(n):
        t0 = clock()
        e = event_dict(i, execution_id, data[i])
        db.execute(insert, (e["event_id"], e["execution_id"], e["timestamp"], e["module_name"],
                            e["method_name"], e["event_type"], e["operation"], json.dumps(e["data"]), "{}"))
        if (i + 1) % 1000 == 0:
            db.execute("COMMIT")
            db.execute("BEGIN")
        samples[i] = clock() - t0
    db.execute("COMMIT")
    seconds = time.perf_counter() - start
    db.close()
    return samples, seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--dir", required=True)
    args = parser.parse_args()
    n = args.events
    execution_id = streamll.get_execution_id()
    # Caller cost with a queue that never fills, then end to end as shipped.
    emit_samples, _ = streamll_pass(os.path.join(args.dir, "latency.db"), n, execution_id, buffer_size=2 * n)
    _, streamll_seconds = streamll_pass(os.path.join(args.dir, "throughput.db"), n, execution_id,
                                        buffer_size=1000)
    json_samples, json_seconds = json_file_pass(os.path.join(args.dir, "events.jsonl"), n, execution_id)
    sqlite_samples, sqlite_seconds = sqlite_pass(os.path.join(args.dir, "events.sqlite"), n, execution_id)
    print(json.dumps({
        "events": n,
        "emit_p50_ns": percentile(emit_samples, 0.50), "emit_p99_ns": percentile(emit_samples, 0.99),
        "json_file_p50_ns": percentile(json_samples, 0.50), "json_file_p99_ns": percentile(json_samples, 0.99),
        "sqlite_p50_ns": percentile(sqlite_samples, 0.50), "sqlite_p99_ns": percentile(sqlite_samples, 0.99),
        "end_to_end_events_per_s": n / streamll_seconds, "json_file_events_per_s": n / json_seconds,
        "sqlite_events_per_s": n / sqlite_seconds,
    }))


if __name__ == "__main__":
    main()

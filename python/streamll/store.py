"""Reading the local store from Python: SQL on a standard sqlite3
connection, and iterators of events.

Readers open the store as a read-only live view: they work while this
process's runtime or another process writes it, and see what was durable
when each call (or SQL statement) began. A reader that cannot read
everything (a damaged store) raises StreamllError rather than returning
part of the answer.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as _dt
import os
import sqlite3
from typing import Any, Callable, Iterator

from . import _streamll
from .models import Event
from .runtime import _resolve

__all__ = ["connect", "Store", "Execution", "EventType"]


def _existing(path: str | os.PathLike[str] | None) -> str:
    resolved = _resolve(path)
    if not os.path.isdir(resolved):
        raise FileNotFoundError(f"no streamll store at {resolved} (streamll.init() or the first emit creates one)")
    return resolved


def _sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def connect(path: str | os.PathLike[str] | None = None, **sqlite_options: Any) -> sqlite3.Connection:
    """A new sqlite3.Connection (in memory) with the tables events,
    executions and event_types over the store at `path` (default
    $STREAMLL_DB, else ./streamll.db), so DB-API cursors, pandas.read_sql
    and SQLite's JSON functions work on them:

        with streamll.connect() as db:
            db.execute("SELECT event_type, count(*) FROM events GROUP BY 1").fetchall()

    The tables are read-only and see the store as of each statement.
    Conditions on event_id, execution_id, ts_ns/timestamp, seq and
    event_type prefixes read only the matching part of the log.
    `sqlite_options` go to sqlite3.connect (e.g. check_same_thread=False).
    Raises FileNotFoundError when there is no store. Cost: opens three
    read-only views (milliseconds). Thread-safety: as sqlite3's.
    """
    resolved = _existing(path)
    _streamll.note_store_used()
    db = sqlite3.connect(":memory:", **sqlite_options)
    try:
        # The extension module is also SQLite's loadable extension.
        db.enable_load_extension(True)
        db.load_extension(_streamll.__file__)
        db.enable_load_extension(False)
        quoted = _sql_string(os.path.abspath(resolved))
        for table in ("events", "executions", "event_types"):
            db.execute(f"CREATE VIRTUAL TABLE temp.{table} USING streamll_{table}({quoted})")
    except BaseException:
        db.close()
        raise
    return db


@dataclasses.dataclass(frozen=True)
class Execution:
    """One execution's summary (no scan of its events)."""
    execution_id: str
    started_at: _dt.datetime
    ended_at: _dt.datetime
    duration_seconds: float
    event_count: int
    error_count: int


@dataclasses.dataclass(frozen=True)
class EventType:
    """One entry of the store's event-type registry."""
    event_type: str
    count: int
    first_seen: _dt.datetime
    last_seen: _dt.datetime
    data_keys: list[str]
    data_keys_truncated: bool


def _bound(value: _dt.datetime | str | None, field: str) -> _dt.datetime | None:
    if value is None or isinstance(value, _dt.datetime):
        return value
    if isinstance(value, str):
        return _streamll.parse_timestamp(value)
    raise TypeError(f"{field}: must be an aware datetime or an RFC 3339 string, got {type(value).__name__}")


class Store:
    """A read-only live view of a store.

        with streamll.Store("streamll.db") as store:
            for run in store.executions(): ...
            for event in store.events(execution_id=run.execution_id): ...

    Raises FileNotFoundError when there is no store at `path` (default
    $STREAMLL_DB, else ./streamll.db). Each call first catches up with the
    writer (microseconds when nothing changed). Reads release the GIL.
    Thread-safety: one Store may be used from several threads, each
    iterator from one thread at a time.
    """

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self.path = _existing(path)
        self._view = _streamll.StoreView(self.path)

    def executions(self) -> list[Execution]:
        """Every execution's summary, ordered by execution_id. O(executions)."""
        return [Execution(*row) for row in self._view.executions()]

    def event_types(self) -> list[EventType]:
        """The event-type registry (counts, first/last seen, data keys)."""
        return [EventType(*row) for row in self._view.event_types()]

    def events(self, execution_id: str | None = None, since: _dt.datetime | str | None = None,
               until: _dt.datetime | str | None = None, type: str | None = None) -> Iterator[Event]:
        """Events in time order (ties in arrival order): of one execution (one
        seek, then sequential reads), or of the whole store through its time
        index; since <= timestamp < until; type an exact event type, or a
        prefix ending in "*" or ".". Read ahead 256 at a time with the GIL
        released. Raises StreamllError where the store cannot be read."""
        return self._view.events(execution_id or "", _bound(since, "since"), _bound(until, "until"), type or "")

    def get(self, event_id: str) -> Event | None:
        """The event with `event_id`, or None. Two point lookups."""
        return self._view.get(event_id)

    def replay(self, execution_id: str, handler: Callable[[Event], Any], speed: float = 1.0,
               max_speed: bool = False) -> dict[str, Any]:
        """Calls handler(event) for each event of the execution in stored
        order, with the recorded gaps divided by `speed` (or none with
        max_speed). Waits with the GIL released; Ctrl-C or an exception from
        the handler stops it (and is raised). Returns delivered, total,
        elapsed_s, cancelled. StreamllError (code "not_found") for an
        unknown execution."""
        return self._view.replay(execution_id, handler, speed, max_speed)

    def verify(self) -> dict[str, Any]:
        """The integrity check of the whole store (checksums, indexes,
        summaries): ok, counts and the problems found. Reads everything."""
        return self._view.verify()

    def stats(self) -> dict[str, Any]:
        """What the store holds and costs: events, executions, event_types,
        last_seq, oldest and newest (datetimes, None when empty),
        format_version, families (per column family: table_bytes,
        memtable_bytes, entries), wal_bytes, disk_bytes, and replication
        (per target: target, shipped_seq, updated). Reads the execution
        summaries and lists the directory; releases the GIL meanwhile.
        Thread-safe, like every method of Store."""
        return self._view.stats()

    def backup(self, dest: str | os.PathLike[str]) -> dict[str, Any]:
        """Copies the store, as this view last saw it, to `dest` (which must
        not exist), even while an application writes it: written to
        `dest`.partial, verified, then renamed, so `dest` is whole or absent.
        The copy keeps the store's identity. Returns events, bytes and
        removed_partial (a copy cut short earlier was removed first). Reads
        the whole store once and writes it again; releases the GIL.
        ValueError when `dest` exists."""
        return self._view.backup(os.fspath(dest))

    def query(self, sql: str, parameters: Any = ()) -> list[tuple[Any, ...]]:
        """The rows of one SQL statement over events, executions, event_types."""
        with contextlib.closing(connect(self.path)) as db:
            return db.execute(sql, parameters).fetchall()

    def to_pandas(self, sql: str, params: Any = None) -> Any:
        """pandas.read_sql of `sql` over this store's tables (needs pandas)."""
        try:
            import pandas
        except ImportError as e:
            raise ImportError("Store.to_pandas needs pandas (apt-get install python3-pandas)") from e
        with contextlib.closing(connect(self.path)) as db:
            return pandas.read_sql(sql, db, params=params)

    @property
    def last_seq(self) -> int:
        """The highest arrival sequence number stored, as of the last call."""
        return self._view.last_seq

    def close(self) -> None:
        """Closes the view; later calls raise ValueError."""
        self._view.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


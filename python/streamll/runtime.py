"""The process's runtime: the queue, the writer thread into the local store,
and the sinks (see streamll.init).

Thread-safety: every function here may be called from any thread; init,
configure and shutdown are meant for the application's start and end.
"""

from __future__ import annotations

import atexit
import os
import sys
import threading
from datetime import timedelta
from typing import Any, Iterable

from . import _streamll

__all__ = ["init", "flush", "stats", "shutdown", "DEFAULT_REDACT_KEYS"]

DEFAULT_REDACT_KEYS = ("api_key", "apikey", "password", "secret", "authorization")

_lock = threading.RLock()
_sinks: list[Any] | None = None          # configure(sinks=...), kept across runtimes
_event_filter: list[str] | None = None   # configure(event_filter=...)
_path: str | None = None                 # the store of the running runtime
_exiting = False                         # the interpreter is exiting: no implicit start any more


def _resolve(path: str | os.PathLike[str] | None) -> str:
    if path is not None:
        return os.fspath(path)
    return os.environ.get("STREAMLL_DB") or "streamll.db"


def init(path: str | os.PathLike[str] | None = None, buffer_size: int = 1000, batch_size: int = 100,
         flush_interval: float = 0.5, overflow: str = "block", sync: bool = False,
         redact_keys: Iterable[str] = DEFAULT_REDACT_KEYS, replicate_to: str | dict[str, Any] | None = None,
         sinks: Iterable[Any] | None = None, allow_types: Iterable[str] = (), deny_types: Iterable[str] = (),
         record_stats: bool = True, retention: dict[str, Any] | None = None) -> None:
    """Starts the runtime on the store at `path` (a directory; default
    $STREAMLL_DB, else ./streamll.db, created if missing).

    buffer_size: events queued in memory (rounded up to a power of two).
    batch_size: events per store append and per sink batch.
    flush_interval: the longest (seconds) an event waits in the queue.
    overflow: what a full queue does: "block" (wait; nothing lost),
        "drop_newest" or "drop_oldest" (counted in stats()["dropped"]).
    sync: fsync each batch (survives power loss; costs an fsync per batch).
        Otherwise a stored event survives a crash of the process.
    redact_keys: data keys (any depth, any case) stored as "[REDACTED]".
    replicate_to: "redis://host:port" (or a dict with url, stream, field,
        maxlen): ship every stored event to a Redis stream exactly once,
        from a thread of the runtime; Redis failures only delay it.
    sinks: as configure(sinks=...); default what configure() set, if anything.
    allow_types / deny_types: event type patterns ("rag.*") kept or dropped
        at emit.
    record_stats: store a "streamll.stats" event with the counters at shutdown.
    retention: prune whole executions in the background, for a store an app
        writes for months: a dict of max_age (seconds, or a timedelta: those
        whose latest event is older go), keep_executions (the newest N
        stay), max_bytes (the oldest go until the store, compacted, holds
        at most this much) and interval (seconds between runs, default 600). Executions
        holding events not yet replicated are kept. Each run is logged in the
        store's LOG file; it costs the writer nothing per event. Default:
        nothing is pruned. `streamll prune` does the same once, when no
        application writes the store.

    Raises StreamllError (code "busy") when another process writes that
    store, ValueError for bad arguments, and StreamllError when a runtime
    runs already. Cost: opens the store, starts a writer thread and one per
    sink. Events emitted with no runtime start one implicitly on the default
    store; at interpreter exit the runtime is flushed and stopped.
    """
    global _path
    with _lock:
        if _streamll.running():
            raise _running_error()
        resolved = _resolve(path)
        _streamll.init(resolved, buffer_size, batch_size, flush_interval, overflow, sync,
                       list(redact_keys), list(sinks) if sinks is not None else list(_sinks or ()),
                       list(allow_types), list(deny_types), record_stats, _replicate_options(replicate_to),
                       _retention_options(retention))
        _path = resolved


def _running_error() -> Exception:
    from .errors import StreamllError
    error = StreamllError(f"a streamll runtime is already running on {_path} (call streamll.shutdown() first)")
    error.code = "busy"
    return error


def _replicate_options(target: str | dict[str, Any] | None) -> dict[str, Any] | None:
    if target is None:
        return None
    options = {"url": target} if isinstance(target, str) else dict(target)
    if "url" not in options:
        raise ValueError("replicate_to: needs a url (redis://host:port)")
    options.setdefault("stream", "streamll_events")
    options.setdefault("field", "message")
    options.setdefault("maxlen", 0)
    return options


def _retention_options(retention: dict[str, Any] | None) -> dict[str, Any] | None:
    if retention is None:
        return None
    if not isinstance(retention, dict):
        raise TypeError(f"retention: must be a dict, got {type(retention).__name__}")
    unknown = set(retention) - {"max_age", "keep_executions", "max_bytes", "interval"}
    if unknown:
        raise ValueError(f"retention: unknown key {sorted(unknown)[0]!r} "
                         "(expected max_age, keep_executions, max_bytes, interval)")
    options: dict[str, Any] = {}
    for key in ("max_age", "interval"):
        value = retention.get(key)
        if value is None:
            continue
        seconds = value.total_seconds() if isinstance(value, timedelta) else value
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not seconds > 0:
            raise ValueError(f"retention.{key}: must be a positive number of seconds or a timedelta, got {value!r}")
        options[key] = float(seconds)
    for key in ("keep_executions", "max_bytes"):
        value = retention.get(key)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(f"retention.{key}: must be a whole number, 0 or more, got {value!r}")
        options[key] = value
    if not {"max_age", "keep_executions", "max_bytes"} & set(options):
        raise ValueError("retention: give at least one of max_age, keep_executions, max_bytes")
    return options


def flush(timeout: float = 86400.0) -> bool:
    """Returns once every event emitted before the call (by any thread) is
    durable in the store and delivered to, or counted as missed by, every
    sink; False on timeout, with no runtime, or when the store could not
    take events (stats()["store_lost"]). Releases the GIL while it waits."""
    return _streamll.flush(timeout)


def stats() -> dict[str, Any]:
    """The runtime's counters: emitted, filtered, invalid, dropped, stored,
    store_failures, store_lost, and per sink name/delivered/missed/failures/
    state (plus replication when replicate_to is set). emitted counts the
    events the queue accepted: once flushed, stored + store_lost = emitted
    minus those "drop_oldest" displaced (dropped); "drop_newest" drops an
    event before accepting it (dropped, not emitted). Zeros without a
    runtime."""
    return _streamll.stats()


def shutdown() -> None:
    """Flushes, stores the stats event, stops the threads and closes the
    store. A no-op without a runtime. Releases the GIL while it waits."""
    global _path
    with _lock:
        _streamll.shutdown()
        _path = None


def store_path() -> str | None:
    """The store the running runtime writes, or None."""
    return _path if _streamll.running() else None


def _autostart() -> bool:
    # The first emit with no runtime: start one on the default store, once.
    with _lock:
        if _streamll.running():
            return True
        if _exiting:
            return False  # a thread emitting after the exit's flush must not start a runtime again
        if _streamll.forked():
            _streamll.note_if_forked()  # says so once on stderr
            return False
        path = _resolve(None)
        try:
            init(path)
        except Exception as e:  # noqa: BLE001 - told once, then emit is a no-op
            print(f"streamll: cannot record events to {path}: {e}; emit does nothing until "
                  "streamll.init() succeeds", file=sys.stderr)
            return False
        print(f"streamll: recording events to {os.path.abspath(path)} (streamll.init(path=...) or "
              "$STREAMLL_DB chooses another store)", file=sys.stderr)
        return True


def _configure_sinks(sinks: list[Any] | None) -> None:
    global _sinks
    with _lock:
        for sink in sinks or ():
            _start_sink(sink)
        _sinks = list(sinks) if sinks is not None else None
        if _streamll.running():
            _streamll.set_sinks(_sinks or [])


def _start_sink(sink: Any) -> None:
    if isinstance(sink, _streamll.Sink):
        return
    if not hasattr(sink, "handle_event"):
        raise TypeError(f"Sink {sink!r} must have handle_event method")
    # Upstream's sinks are started by configure() and only receive events
    # while is_running.
    if getattr(sink, "is_running", True) is False and callable(getattr(sink, "start", None)):
        sink.start()


def _configure_filter(patterns: list[str] | None) -> None:
    global _event_filter
    _event_filter = list(patterns) if patterns is not None else None
    _streamll.set_event_filter(_event_filter)


def _configured_sinks() -> list[Any] | None:
    return list(_sinks) if _sinks is not None else None


def _configured_filter() -> list[str] | None:
    return list(_event_filter) if _event_filter is not None else None


def _shutdown_at_exit() -> None:
    # While the interpreter can still run the Python sinks' last batches.
    global _exiting
    _exiting = True
    shutdown()


atexit.register(_shutdown_at_exit)

"""Sinks: where events go besides the local store, with the seed's
parameters. Each runs on its own thread behind a bounded buffer and a
circuit breaker (3 consecutive failures open it; a probe after 30 s), so a
slow or failing sink never slows the application or the store; what it
misses is counted in streamll.stats()["sinks"].

Any object with handle_event(event) is a sink too (called on its own
thread, one event at a time; an exception is counted, never raised into the
application; an async handle_event is run to completion). Pass sinks to
streamll.configure(sinks=[...]) or streamll.init(sinks=[...]).
"""

from __future__ import annotations

import os
from typing import Any, TextIO

from . import _streamll

__all__ = ["RedisSink", "TerminalSink", "JsonlSink"]


class _RuntimeRun:
    """Upstream's sink lifecycle, for code that calls it: these sinks run
    while a runtime has them (configure or init), so start() and stop() do
    nothing and is_running is always True."""

    is_running = True

    def start(self) -> None:
        """Nothing to do: the runtime starts the sink's thread."""

    def stop(self) -> None:
        """Nothing to do: shutdown() or configure() stops the sink's thread."""


class RedisSink(_RuntimeRun, _streamll.RedisSink):
    """Adds each event to a Redis stream in upstream's wire format:
    XADD <stream_key> MAXLEN ~ <max_stream_length> * message <event JSON>,
    one pipelined round trip per batch; it connects at the first batch and
    reconnects after a failure. At most once: a batch that fails is missed
    and counted. For every event exactly once, use
    streamll.init(replicate_to="redis://...") instead, which resumes from a
    checkpoint.

    url (or upstream's redis_url): redis://[[user]:password@]host[:port][/db].
    buffer_size, flush_interval, batch_size: accepted as upstream's; batches
        are the runtime's (streamll.init's batch_size and flush_interval).
    max_stream_length: trim to about this many entries (0: never trim).
    field: "message" (upstream's consumers), or "event" for older ones.
    timeout: seconds for connecting and for each batch's replies.
    """

    def __init__(self, url: str = "redis://localhost:6379", stream_key: str = "streamll_events",
                 buffer_size: int = 1000, flush_interval: float = 0.5, batch_size: int = 100,
                 max_stream_length: int = 10000, *, redis_url: str | None = None, field: str = "message",
                 timeout: float = 2.0, **_upstream_options: Any) -> None:
        super().__init__(redis_url or url, stream_key, field, max_stream_length, timeout)
        self.url = redis_url or url
        self.stream_key = stream_key
        self.buffer_size = buffer_size
        self.flush_interval = flush_interval
        self.batch_size = batch_size
        self.max_stream_length = max_stream_length


class TerminalSink(_RuntimeRun, _streamll.TerminalSink):
    """Prints one line per event (time, execution, type, module, operation,
    data), coloured on a terminal. output: a file with a fileno() (default
    sys.stdout; a StringIO has none: TypeError). show_tokens and show_data
    are accepted as upstream's; every line shows its data."""

    def __init__(self, show_tokens: bool = True, show_data: bool = True, output: TextIO | None = None,
                 **_upstream_options: Any) -> None:
        super().__init__(output)
        self.show_tokens = show_tokens
        self.show_data = show_data


class JsonlSink(_RuntimeRun, _streamll.JsonlSink):
    """Appends each event as one line of upstream's JSON to `path` (created
    if missing): one write per batch; flush() fsyncs it."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        super().__init__(os.fspath(path))
        self.path = os.fspath(path)

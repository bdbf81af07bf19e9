"""RedisStreamConsumer: events from a Redis stream to handlers, as the
seed's consumer, on the C++ consumer (its own thread; with a group, an
entry is acknowledged only after its handlers returned, pending entries of
crashed consumers are claimed; Redis failures are retried with backoff).

    consumer = RedisStreamConsumer(url="redis://localhost:6379")
    consumer.subscribe(handle_event)          # every event; sync or async

    @consumer.on("rag.retrieval.complete")    # one type ("rag.*": a prefix)
    async def on_retrieval(event): ...

    consumer.start()                          # blocks until stop() or Ctrl-C

It reads both wire formats streamll has written (field "message" or
"event", either timestamp form). Handlers run on the consumer's thread, one
at a time; async handlers run to completion on a loop of the consumer's own.
A handler that raises is reported (on_error) and, with a group, its entry
is delivered again later; without a group it is passed over.
"""

from __future__ import annotations

import asyncio
import os
import socket
import sys
import threading
import weakref
from typing import Any, Awaitable, Callable

from . import _streamll
from .models import Event

__all__ = ["RedisStreamConsumer"]

Handler = Callable[[Event], Any | Awaitable[Any]]


class RedisStreamConsumer:
    """url: redis://[[user]:password@]host[:port][/db].
    stream_key: the stream to read.
    group: a consumer group (created if missing) for at-least-once delivery
        resumed across restarts; None reads without one from start_id.
    consumer_name: this consumer's name in the group (default host-pid).
    start_id: "0" the whole stream, "$" only new entries, or an entry id.
    batch_size: entries per read. block: seconds a read waits in Redis
    (bounds how long stop() takes). claim_min_idle: seconds before a crashed
    consumer's pending entries are claimed. field: the entry field holding
    the event's JSON, as a RedisSink(field=...) wrote it ("message" and
    "event", upstream's, are read as well). timeout: seconds to connect and
    for each reply beyond block.

    Thread-safety: subscribe/on may be called at any time; start() blocks
    its thread; stop() may be called from any thread or a handler.
    """

    def __init__(self, url: str = "redis://localhost:6379", stream_key: str = "streamll_events",
                 group: str | None = None, consumer_name: str | None = None, start_id: str = "0",
                 batch_size: int = 100, block: float = 0.2, claim_min_idle: float = 30.0,
                 on_error: Callable[[str], Any] | None = None, *, redis_url: str | None = None,
                 consumer_group: str | None = None, block_ms: int | None = None, field: str = "message",
                 timeout: float = 2.0) -> None:
        # Upstream's other names for the same settings.
        url = redis_url or url
        group = consumer_group or group
        if block_ms is not None:
            block = block_ms / 1000
        self.url = url
        self.stream_key = stream_key
        self.group = group
        self._handlers: list[tuple[Any, Handler]] = []
        self._on_error = on_error
        self._stop = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        name = consumer_name or f"{socket.gethostname()}-{os.getpid()}"
        # Weak references: the core must not keep this object alive (a cycle
        # through a C++ object is never collected).
        me = weakref.ref(self)
        self._core = _streamll.Consumer(url, stream_key, field, timeout, group or "", name if group else "", start_id,
                                        batch_size, block, claim_min_idle,
                                        lambda event: me()._deliver(event),
                                        lambda message: me()._report(message))

    def subscribe(self, handler: Handler, event_type: str | None = None) -> Handler:
        """Adds a handler for every event, or for `event_type` (an exact type,
        or a prefix ending in "*" or "."). Handlers are called in the order
        added."""
        self._handlers.append((_patterns(event_type), handler))
        return handler

    def on(self, event_type: str) -> Callable[[Handler], Handler]:
        """Decorator: @consumer.on("rag.retrieval.complete") subscribes the function."""
        def register(handler: Handler) -> Handler:
            return self.subscribe(handler, event_type)
        return register

    def start(self) -> None:
        """Consumes until stop() (from a handler or another thread), Ctrl-C
        or SIGTERM's KeyboardInterrupt/SystemExit; then stops the reader
        thread, whose current batch is finished and acknowledged."""
        self._stop.clear()
        self._core.start()
        try:
            while not self._stop.wait(0.1):
                pass
        finally:
            self._core.stop()

    async def run(self) -> None:
        """start() for asyncio applications: consumes on a worker thread
        until stop() or until the awaiting task is cancelled (which stops
        the consumer, then raises CancelledError)."""
        worker = asyncio.get_running_loop().run_in_executor(None, self.start)
        try:
            await asyncio.shield(worker)
        except asyncio.CancelledError:
            self.stop()
            await worker
            raise

    def stop(self) -> None:
        """Ends start() (idempotent)."""
        self._stop.set()

    def drain(self) -> int:
        """Processes every entry in the stream as of the call on this thread
        and returns how many were read; never waits for new ones. Raises
        StreamllError when Redis fails; Ctrl-C (KeyboardInterrupt) in a
        handler stops it after the current entry and is raised (that entry
        is not acknowledged)."""
        return self._core.drain()

    def stats(self) -> dict[str, Any]:
        """Counters: received, delivered, handler_failures, malformed, acked,
        claimed, reconnects, failures, last_id, last_error."""
        return self._core.stats()

    def _deliver(self, event: Event) -> None:
        for patterns, handler in list(self._handlers):
            if patterns is None or patterns.matches(event.event_type):
                result = handler(event)
                if asyncio.iscoroutine(result):
                    if self._loop is None:
                        self._loop = asyncio.new_event_loop()
                    self._loop.run_until_complete(result)

    def _report(self, message: str) -> None:
        if self._on_error is not None:
            self._on_error(message)
        else:
            print(f"streamll consumer: {message}", file=sys.stderr)


def _patterns(event_type: str | None) -> Any:
    if event_type is None or event_type in ("", "*"):
        return None
    # One grammar for types: "rag.*" and "rag." are prefixes, else exact.
    return _streamll.TypePatterns([event_type])

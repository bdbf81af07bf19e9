"""Spans: start, then end or error, around a block of code (upstream's
streamll.trace) or a module call (@instrument).

Events of a span: event_type "start", then "end" with duration_seconds, or
"error" with duration_seconds, error_type, error_message and traceback;
each with module_name, method_name and operation set, and data carrying the
span's metadata and "stage". A span joins the current execution, or starts
one (and ends it) when there is none, so every event of one pipeline run
shares its execution_id and nested spans nest inside it.
"""

from __future__ import annotations

import time
import traceback as _traceback
from typing import Any

from . import _streamll
from .context import _execution, emit_event
from .models import Event

__all__ = ["trace", "Span"]


class Span:
    """One start/end pair. Not thread-safe: one span belongs to one flow of
    control. Cost: two emits plus two contextvar sets."""

    __slots__ = ("operation", "module_name", "method_name", "metadata", "execution_id",
                 "_token", "_started")

    def __init__(self, operation: str, module_name: str, method_name: str,
                 metadata: dict[str, Any], execution_id: str | None = None):
        self.operation = operation
        self.module_name = module_name
        self.method_name = method_name
        self.metadata = metadata
        self.execution_id = execution_id
        self._token = None
        self._started = 0.0

    def start(self, **extra: Any) -> None:
        current = _execution.get()
        if self.execution_id is None:
            self.execution_id = current if current is not None else _streamll.new_execution_id()
        if self.execution_id != current:
            self._token = _execution.set(self.execution_id)
        self._started = time.perf_counter()
        try:
            self._emit("start", {**extra, "stage": "start"})
        except BaseException:
            self._leave()  # a start that raised (data with no JSON form) leaves no execution behind
            raise

    def end(self, **extra: Any) -> None:
        try:
            self._emit("end", {**extra, "duration_seconds": self.elapsed(), "stage": "end"})
        finally:
            self._leave()

    def fail(self, error: BaseException, **extra: Any) -> None:
        try:
            self._emit("error", {
                **extra,
                "duration_seconds": self.elapsed(),
                "stage": "error",
                "error_type": type(error).__name__,
                "error_message": str(error),
                "traceback": "".join(_traceback.format_exception(type(error), error, error.__traceback__)),
            })
        finally:
            self._leave()

    def elapsed(self) -> float:
        return time.perf_counter() - self._started

    def emit(self, event_type: str, data: dict[str, Any] | None = None, **fields: Any) -> bool:
        """Emits an event inside this span (upstream's ctx.emit): keyword
        arguments go into data, under the span's metadata and after the
        set_context() pairs; operation and module_name are the span's."""
        merged = {**self.metadata, **(data or {}), **fields}
        return emit_event(Event(execution_id=self.execution_id or "", event_type=event_type,
                                module_name=self.module_name, method_name=self.method_name,
                                operation=self.operation, data=merged))

    def _emit(self, event_type: str, data: dict[str, Any]) -> None:
        emit_event(Event(execution_id=self.execution_id, event_type=event_type,
                         module_name=self.module_name, method_name=self.method_name,
                         operation=self.operation, data={**self.metadata, **data}))

    def _leave(self) -> None:
        if self._token is not None:
            _execution.reset(self._token)
            self._token = None


class trace:  # noqa: N801 - upstream's name, used as `with streamll.trace(...)`
    """Context manager (sync and async) for one span of work:

        with streamll.trace("retrieve", module_name="RAG", k=3) as ctx:
            ctx.emit("rag.retrieval.complete", num_docs=3)

    Emits start on entry, end with duration_seconds on exit, or error with
    error_type, error_message and traceback when an exception escapes (it is
    re-raised, never swallowed). `metadata` goes into the data of all three;
    module_name defaults to "manual" and method_name is the operation, as
    upstream. execution_id=... joins that execution; otherwise the current
    one, or a new one for the block's duration.
    """

    def __init__(self, operation: str, module_name: str | None = None, **metadata: Any):
        if "sinks" in metadata:
            raise TypeError("trace(sinks=...): sinks are the runtime's here; use streamll.configure(sinks=[...]) "
                            "(in a `with` block for a part of the program)")
        execution_id = metadata.pop("execution_id", None)
        self._span = Span(operation, module_name or "manual", operation, metadata, execution_id)

    @property
    def execution_id(self) -> str | None:
        return self._span.execution_id

    @property
    def operation(self) -> str:
        return self._span.operation

    @property
    def module_name(self) -> str:
        return self._span.module_name

    def emit(self, event_type: str, data: dict[str, Any] | None = None, **fields: Any) -> bool:
        return self._span.emit(event_type, data, **fields)

    def __enter__(self) -> "trace":
        self._span.start()
        return self

    def __exit__(self, exc_type: Any, exc: BaseException | None, tb: Any) -> None:
        if exc is None:
            self._span.end()
        else:
            self._span.fail(exc)

    async def __aenter__(self) -> "trace":
        return self.__enter__()

    async def __aexit__(self, exc_type: Any, exc: BaseException | None, tb: Any) -> None:
        self.__exit__(exc_type, exc, tb)


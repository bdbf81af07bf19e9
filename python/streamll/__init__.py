"""streamll: observability for DSPy and LLM pipelines, recorded in-process
into a local event store (RocksDB) that SQL reads (SQLite), with upstream
streamll's API:

    import streamll
    from streamll import emit_event
    from streamll.core.events import StreamllEvent, generate_event_id, get_execution_id

    @streamll.instrument
    class RAG(dspy.Module):
        def forward(self, question):
            emit_event(StreamllEvent(event_id=generate_event_id(), execution_id=get_execution_id(),
                                     event_type="rag.retrieval.start", data={"query": question}))

    db = streamll.connect()      # a sqlite3.Connection with events, executions, event_types

Events go through a bounded in-memory queue to a writer thread of the C++
core; emitting never does I/O. With no streamll.init(), the first emit
records to $STREAMLL_DB or ./streamll.db; interpreter exit flushes.
"""

from __future__ import annotations

from . import _streamll
from .errors import StreamllError
from . import models
from .models import Event, StreamllEvent, generate_event_id
from . import runtime
from .runtime import flush, init, shutdown, stats
from . import context
from .context import configure, emit, emit_event, get_execution_id, set_context
from .tracing import trace
from .instrument import instrument
from . import sinks
from .sinks import JsonlSink, RedisSink, TerminalSink
from .store import Execution, EventType, Store, connect
from . import consumer
from .consumer import RedisStreamConsumer

__version__ = "0.1.0"

_streamll._register(Event._restore, models._jsonable, context._execution, context._context,
                    runtime._autostart, StreamllError)

__all__ = [
    "Event", "StreamllEvent", "generate_event_id", "get_execution_id",
    "emit_event", "emit", "trace", "instrument", "set_context", "configure",
    "init", "flush", "stats", "shutdown",
    "connect", "Store", "Execution", "EventType",
    "RedisSink", "TerminalSink", "JsonlSink", "RedisStreamConsumer",
    "StreamllError",
]

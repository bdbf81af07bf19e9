"""The seed's helper for custom events with less boilerplate.
Run: python3 emit_custom.py [STORE]"""

from datetime import datetime, UTC

from streamll import emit_event
from streamll.core.events import StreamllEvent, generate_event_id, get_execution_id

from simulated import start_store


def emit_custom(event_type: str, data: dict, module_name: str = "Unknown"):
    """Helper to emit custom events with less boilerplate."""
    emit_event(StreamllEvent(
        event_id=generate_event_id(),
        execution_id=get_execution_id(),
        timestamp=datetime.now(UTC),
        event_type=event_type,
        module_name=module_name,
        method_name="forward",
        data=data
    ))


if __name__ == "__main__":
    import streamll

    start_store()
    question, cache_key = "What is DSPy?", "q:what-is-dspy"
    with streamll.trace("lookup", module_name="Cache"):  # one execution for both events
        emit_custom("retrieval.start", {"query": question})
        emit_custom("cache.hit", {"key": cache_key, "size": 1024})
    print("recorded retrieval.start and cache.hit in one execution")

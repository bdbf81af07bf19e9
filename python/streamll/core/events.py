"""`from streamll.core.events import StreamllEvent, generate_event_id,
get_execution_id`: the seed's import path for the event class and its
helpers (the same objects as streamll.models and streamll.context)."""

from ..context import get_execution_id
from ..models import Event, StreamllEvent, generate_event_id

__all__ = ["StreamllEvent", "Event", "generate_event_id", "get_execution_id"]

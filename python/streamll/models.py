"""The event: upstream streamll's ``Event`` (formerly ``StreamllEvent``).

Same fields, defaults and dumps as upstream's pydantic model, without
pydantic: a plain class with ``__slots__``, checked at construction for what
is cheap to check (types, a naive timestamp, tag values) and converted to the
C++ core's form at emit, where data that has no JSON form is refused with a
``TypeError`` naming its path (``field 'data.docs[2]': ...``).

Thread-safety: an Event is a plain mutable object; do not change one while
another thread emits or dumps it.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as _dt
import decimal
import enum
import json
import uuid
from typing import Any

from . import _streamll

__all__ = ["Event", "StreamllEvent", "generate_event_id"]

# generate_event_id() -> str: 12 characters of A-Za-z0-9_- (72 random bits),
# like upstream's nanoid(size=12); about 100 ns; thread-safe.
generate_event_id = _streamll.generate_event_id

_UTC = _dt.timezone.utc
_FIELDS = ("event_id", "execution_id", "timestamp", "module_name", "method_name",
           "event_type", "operation", "data", "tags")


class Event:
    """One structured observation of a pipeline run.

    Fields (upstream's, in upstream's order):
      event_id      str, default a new generate_event_id()
      execution_id  str, required: groups the events of one run ("" is
                    filled from the current execution when emitted)
      timestamp     aware datetime, default datetime.now(UTC); an ISO 8601
                    string with an offset is parsed
      module_name   str, default "unknown"
      method_name   str, default "forward"
      event_type    str, required and non-empty ("rag.retrieval.start")
      operation     str or None
      data          dict of JSON-compatible values, default {}
      tags          dict of str to str, default {}

    Unknown keyword arguments are ignored, as upstream's model ignores them.
    Raises TypeError or ValueError naming the field for a wrong type, a naive
    datetime, an empty event_type or a non-str tag value. Cost: about 1 µs.
    """

    __slots__ = _FIELDS

    def __init__(self, *, execution_id: str, event_type: str, event_id: str | None = None,
                 timestamp: _dt.datetime | str | None = None, module_name: str = "unknown",
                 method_name: str = "forward", operation: str | None = None,
                 data: dict[str, Any] | None = None, tags: dict[str, str] | None = None,
                 **_ignored: Any) -> None:
        if event_id is None:
            event_id = generate_event_id()
        if timestamp is None:
            timestamp = _dt.datetime.now(_UTC)
        elif type(timestamp) is not _dt.datetime or timestamp.tzinfo is not _UTC:
            timestamp = _check_timestamp(timestamp)
        if data is None:
            data = {}
        elif type(data) is not dict:
            raise TypeError(f"field 'data': must be a dict, got {type(data).__name__}")
        if tags is None:
            tags = {}
        else:
            _check_tags(tags)
        if (type(event_id) is not str or type(execution_id) is not str or type(event_type) is not str
                or type(module_name) is not str or type(method_name) is not str or not event_type
                or (operation is not None and type(operation) is not str)):
            _raise_field_error(event_id=event_id, execution_id=execution_id, event_type=event_type,
                               module_name=module_name, method_name=method_name, operation=operation)
        self.event_id = event_id
        self.execution_id = execution_id
        self.timestamp = timestamp
        self.module_name = module_name
        self.method_name = method_name
        self.event_type = event_type
        self.operation = operation
        self.data = data
        self.tags = tags

    @classmethod
    def _restore(cls, *values: Any) -> "Event":
        # From the C++ core (a stored or consumed event), the fields in
        # _FIELDS order: already checked.
        self = cls.__new__(cls)
        for name, value in zip(_FIELDS, values):
            setattr(self, name, value)
        return self

    def model_dump(self, mode: str = "python") -> dict[str, Any]:
        """The fields as a new dict, as pydantic's model_dump(): timestamp an
        aware datetime (mode="python") or its RFC 3339 text (mode="json");
        data and tags deep copies."""
        out = {name: getattr(self, name) for name in _FIELDS}
        out["data"] = copy.deepcopy(self.data)
        out["tags"] = dict(self.tags)
        if mode == "json":
            return json.loads(self.model_dump_json())
        return out

    def model_dump_json(self) -> str:
        """The event as one compact JSON object in upstream's field order, the
        form the store exports and Redis entries carry:
        {"event_id":"…","execution_id":"…","timestamp":"2025-08-24T12:40:47.591526Z",…}
        (a zero fraction is left out, as pydantic does: "2025-01-01T12:00:00Z").
        Raises TypeError naming the field when data has no JSON form."""
        text = _streamll.event_to_json(self)
        if self.timestamp.microsecond == 0:
            # As pydantic: no fraction when it is zero ("2025-01-01T12:00:00Z").
            full = _streamll.format_timestamp(self.timestamp)
            text = text.replace(f'"timestamp":"{full}"', f'"timestamp":"{full[:-8]}Z"', 1)
        return text

    @classmethod
    def model_validate(cls, value: dict[str, Any]) -> "Event":
        """An Event from a dict of its fields (a timestamp may be a string)."""
        if isinstance(value, cls):
            return value
        if not isinstance(value, dict):
            raise TypeError(f"an Event needs a dict of its fields, got {type(value).__name__}")
        return cls(**value)

    @classmethod
    def model_validate_json(cls, text: str | bytes) -> "Event":
        """An Event from upstream's JSON (either timestamp form, missing
        optional fields defaulted). Raises ValueError naming the field."""
        if isinstance(text, bytes):
            text = text.decode("utf-8")
        return _streamll.event_from_json(text)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Event):
            return NotImplemented
        return all(getattr(self, n) == getattr(other, n) for n in _FIELDS)

    __hash__ = None  # mutable, as pydantic models are

    def __repr__(self) -> str:
        fields = ", ".join(f"{n}={getattr(self, n)!r}" for n in _FIELDS)
        return f"{type(self).__name__}({fields})"


# The seed's and older upstream's name for the same class.
StreamllEvent = Event


def _raise_field_error(**fields: Any) -> None:
    for name, value in fields.items():
        if name == "operation" and value is None:
            continue
        if type(value) is not str:
            expected = "str or None" if name == "operation" else "str"
            raise TypeError(f"field '{name}': must be {expected}, got {type(value).__name__}")
    raise ValueError("field 'event_type': must not be empty")


def _check_timestamp(value: Any) -> _dt.datetime:
    if isinstance(value, str):
        try:
            return _streamll.parse_timestamp(value)
        except ValueError as e:
            raise ValueError(f"field 'timestamp': {e}") from None
    if not isinstance(value, _dt.datetime):
        raise TypeError(f"field 'timestamp': must be an aware datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("field 'timestamp': a naive datetime (no tzinfo); use an aware one such as "
                         "datetime.now(UTC)")
    return value


def _check_tags(tags: Any) -> None:
    if type(tags) is not dict:
        raise TypeError(f"field 'tags': must be a dict of str, got {type(tags).__name__}")
    for key, value in tags.items():
        if type(key) is not str:
            raise TypeError(f"field 'tags': keys must be str, got {type(key).__name__}")
        if type(value) is not str:
            raise TypeError(f"field 'tags.{key}': must be str, got {type(value).__name__}")


def _jsonable(value: Any) -> Any:
    """The JSON-compatible form of a value beyond the builtins, as pydantic
    serializes it; TypeError for what has none (a set: use a list)."""
    if isinstance(value, (_dt.datetime, _dt.date, _dt.time)):
        return value.isoformat()
    if isinstance(value, _dt.timedelta):
        return value.total_seconds()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (uuid.UUID, decimal.Decimal)):
        return str(value)
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("utf-8", errors="replace")
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    if hasattr(value, "model_dump") and callable(value.model_dump):
        return value.model_dump()
    if isinstance(value, (set, frozenset)):
        raise TypeError(f"a {type(value).__name__} is not JSON (use a list)")
    raise TypeError(f"{type(value).__name__} is not JSON-serializable")

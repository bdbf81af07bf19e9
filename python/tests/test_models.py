"""The event model: upstream's fields, defaults and dumps; the seed's import
paths; bad input named by field."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest

import streamll
import streamll.core.events
import streamll.models
from streamll.models import Event

UTC = dt.timezone.utc
FIELD_ORDER = ["event_id", "execution_id", "timestamp", "module_name", "method_name", "event_type",
               "operation", "data", "tags"]


SEED_IMPORTS = """
import streamll
from streamll import emit_event
from streamll.core.events import StreamllEvent, generate_event_id, get_execution_id
from datetime import datetime, UTC
from streamll.consumer import RedisStreamConsumer
from streamll.sinks import RedisSink
assert StreamllEvent is streamll.models.Event
print("ok")
"""


def test_seed_import_lines_in_a_fresh_process(run_py):
    assert run_py(SEED_IMPORTS).stdout == "ok\n"


def test_seed_import_lines():
    # The seed's exact lines (its quick example and use cases).
    exec("import streamll\n"
         "from streamll import emit_event\n"
         "from streamll.core.events import StreamllEvent, generate_event_id, get_execution_id\n"
         "from datetime import datetime, UTC\n"
         "from streamll.consumer import RedisStreamConsumer\n"
         "from streamll.sinks import RedisSink\n", {})


def test_same_class_and_helpers_everywhere():
    assert streamll.models.Event is streamll.core.events.StreamllEvent
    assert streamll.StreamllEvent is streamll.Event is streamll.models.StreamllEvent
    assert streamll.core.events.Event is Event
    assert streamll.core.events.generate_event_id is streamll.models.generate_event_id
    assert streamll.core.events.get_execution_id is streamll.context.get_execution_id
    assert streamll.emit_event is streamll.context.emit_event
    for name in ("instrument", "trace", "configure", "set_context", "Event", "TerminalSink", "RedisSink",
                 "emit_event", "emit", "init", "flush", "stats", "shutdown", "connect", "Store"):
        assert hasattr(streamll, name), name


def test_generate_event_id_shape():
    ids = {streamll.generate_event_id() for _ in range(2000)}
    assert len(ids) == 2000
    for event_id in list(ids)[:100]:
        assert re.fullmatch(r"[A-Za-z0-9_-]{12}", event_id)


def test_defaults():
    before = dt.datetime.now(UTC)
    e = Event(execution_id="run-1", event_type="my_custom_event")
    after = dt.datetime.now(UTC)
    assert re.fullmatch(r"[A-Za-z0-9_-]{12}", e.event_id)
    assert e.execution_id == "run-1"
    assert e.timestamp.tzinfo is not None and e.timestamp.utcoffset() == dt.timedelta(0)
    assert before <= e.timestamp <= after
    assert e.module_name == "unknown"
    assert e.method_name == "forward"
    assert e.event_type == "my_custom_event"
    assert e.operation is None
    assert e.data == {} and e.tags == {}
    # Each event its own dicts and id.
    other = Event(execution_id="run-1", event_type="x")
    assert other.data is not e.data and other.event_id != e.event_id


def test_required_fields():
    with pytest.raises(TypeError):
        Event(event_type="x")  # no execution_id
    with pytest.raises(TypeError):
        Event(execution_id="r")  # no event_type


def test_unknown_keywords_are_ignored_as_upstream():
    e = Event(execution_id="r", event_type="x", module_version="1.2", whatever=3)
    assert not hasattr(e, "module_version")
    assert list(e.model_dump()) == FIELD_ORDER


def test_all_fields_kept():
    ts = dt.datetime(2025, 8, 24, 12, 40, 47, 591526, tzinfo=UTC)
    e = Event(event_id="abc", execution_id="run", timestamp=ts, module_name="RAG", method_name="retrieve",
              event_type="rag.retrieval.start", operation="retrieve", data={"query": "q", "k": 3},
              tags={"env": "test"})
    assert (e.event_id, e.execution_id, e.timestamp, e.module_name, e.method_name, e.event_type,
            e.operation, e.data, e.tags) == ("abc", "run", ts, "RAG", "retrieve", "rag.retrieval.start",
                                             "retrieve", {"query": "q", "k": 3}, {"env": "test"})


def test_model_dump_python():
    ts = dt.datetime(2025, 1, 1, 12, 0, 0, tzinfo=UTC)
    e = Event(event_id="e1", execution_id="x1", timestamp=ts, event_type="t", data={"a": [1, {"b": 2}]},
              tags={"k": "v"})
    d = e.model_dump()
    assert list(d) == FIELD_ORDER
    assert isinstance(d["timestamp"], dt.datetime) and d["timestamp"].tzinfo is not None
    assert d["timestamp"] == ts
    assert d["operation"] is None
    assert d == {"event_id": "e1", "execution_id": "x1", "timestamp": ts, "module_name": "unknown",
                 "method_name": "forward", "event_type": "t", "operation": None,
                 "data": {"a": [1, {"b": 2}]}, "tags": {"k": "v"}}
    # Deep copies: changing the dump leaves the event as it was.
    d["data"]["a"][1]["b"] = 99
    d["tags"]["k"] = "changed"
    assert e.data == {"a": [1, {"b": 2}]} and e.tags == {"k": "v"}
    # Upstream's own wire form (json.dumps(model_dump(), default=str)) parses back.
    again = Event(**json.loads(json.dumps(e.model_dump(), default=str)))
    assert again == e


def test_model_dump_json_compact_ordered_z():
    e = Event(event_id="e1", execution_id="x1", timestamp=dt.datetime(2025, 1, 1, 12, 0, 0, tzinfo=UTC),
              event_type="t", data={"n": 1})
    text = e.model_dump_json()
    assert text == ('{"event_id":"e1","execution_id":"x1","timestamp":"2025-01-01T12:00:00Z",'
                    '"module_name":"unknown","method_name":"forward","event_type":"t","operation":null,'
                    '"data":{"n":1},"tags":{}}')
    with_us = Event(execution_id="x", event_type="t",
                    timestamp=dt.datetime(2025, 8, 24, 21, 38, 9, 971270, tzinfo=UTC)).model_dump_json()
    assert json.loads(with_us)["timestamp"] == "2025-08-24T21:38:09.971270Z"
    assert ": " not in with_us and ", " not in with_us
    assert list(json.loads(with_us)) == FIELD_ORDER


def test_model_dump_json_mode():
    e = Event(execution_id="x", event_type="t", timestamp=dt.datetime(2025, 1, 1, tzinfo=UTC))
    d = e.model_dump(mode="json")
    assert d["timestamp"] == "2025-01-01T00:00:00Z"
    assert list(d) == FIELD_ORDER


def test_round_trip_through_json():
    e = Event(execution_id="run", event_type="rag.retrieval.complete", module_name="RAG", operation="op",
              timestamp=dt.datetime(2025, 8, 24, 12, 40, 47, 591526, tzinfo=UTC),
              data={"query": "héllo ✓", "n": 3, "f": 0.5, "none": None, "ok": True,
                    "nested": {"list": [1, "two", [3]]}},
              tags={"env": "prod"})
    back = Event.model_validate_json(e.model_dump_json())
    assert isinstance(back, Event)
    assert back == e
    assert back.model_dump() == e.model_dump()
    assert Event.model_validate_json(e.model_dump_json().encode()) == e
    assert Event.model_validate(e.model_dump()) == e


def test_validate_json_reads_upstream_forms():
    # HEAD sinks write json.dumps(model_dump(), default=str): a space, +00:00.
    text = json.dumps({"event_id": "abc", "execution_id": "x", "timestamp": "2025-01-01 12:00:00+00:00",
                       "module_name": "M", "method_name": "forward", "event_type": "t", "operation": None,
                       "data": {"a": 1}, "tags": {}})
    e = Event.model_validate_json(text)
    assert e.timestamp == dt.datetime(2025, 1, 1, 12, tzinfo=UTC)
    assert e.module_name == "M" and e.data == {"a": 1}
    # An offset is converted to UTC; optional fields default.
    e = Event.model_validate_json('{"execution_id":"x","event_type":"t","timestamp":"2025-01-01T14:00:00+02:00"}')
    assert e.timestamp == dt.datetime(2025, 1, 1, 12, tzinfo=UTC)
    assert e.module_name == "unknown" and e.method_name == "forward" and e.data == {} and e.tags == {}


def test_timestamp_string_and_offsets():
    e = Event(execution_id="x", event_type="t", timestamp="2025-08-24T12:40:47.5Z")
    assert e.timestamp == dt.datetime(2025, 8, 24, 12, 40, 47, 500000, tzinfo=UTC)
    plus2 = dt.timezone(dt.timedelta(hours=2))
    e = Event(execution_id="x", event_type="t", timestamp=dt.datetime(2025, 1, 1, 14, tzinfo=plus2))
    assert json.loads(e.model_dump_json())["timestamp"] == "2025-01-01T12:00:00Z"


def test_equality_and_repr():
    a = Event(event_id="same", execution_id="x", event_type="t", timestamp=dt.datetime(2025, 1, 1, tzinfo=UTC))
    b = Event(event_id="same", execution_id="x", event_type="t", timestamp=dt.datetime(2025, 1, 1, tzinfo=UTC))
    assert a == b
    b.data["k"] = 1
    assert a != b
    assert "event_type='t'" in repr(a)
    with pytest.raises(TypeError):
        hash(a)


# --- bad input, named by field ------------------------------------------------

def test_naive_datetime_is_value_error_naming_timestamp():
    with pytest.raises(ValueError, match="timestamp"):
        Event(execution_id="x", event_type="t", timestamp=dt.datetime(2025, 1, 1, 12, 0))
    with pytest.raises(ValueError, match="timestamp"):
        Event(execution_id="x", event_type="t", timestamp=dt.datetime.now())


def test_bad_timestamp_values():
    with pytest.raises(TypeError, match="timestamp"):
        Event(execution_id="x", event_type="t", timestamp=12345)
    with pytest.raises(ValueError, match="timestamp"):
        Event(execution_id="x", event_type="t", timestamp="yesterday")
    with pytest.raises(ValueError, match="timestamp"):
        Event.model_validate_json('{"execution_id":"x","event_type":"t","timestamp":"2025-01-01T12:00:00"}')


def test_non_str_tag_value_names_the_tag():
    with pytest.raises(TypeError, match=r"tags\.env"):
        Event(execution_id="x", event_type="t", tags={"env": 3})
    with pytest.raises(TypeError, match="tags"):
        Event(execution_id="x", event_type="t", tags={1: "v"})
    with pytest.raises(TypeError, match="tags"):
        Event(execution_id="x", event_type="t", tags=["a"])


def test_empty_event_type_is_value_error():
    with pytest.raises(ValueError, match="event_type"):
        Event(execution_id="x", event_type="")


@pytest.mark.parametrize("field,value", [("event_id", 5), ("execution_id", None), ("event_type", b"t"),
                                         ("module_name", 1), ("method_name", []), ("operation", 3)])
def test_wrong_field_type_names_the_field(field, value):
    kwargs = {"execution_id": "x", "event_type": "t", field: value}
    with pytest.raises(TypeError, match=field):
        Event(**kwargs)


def test_data_must_be_a_dict():
    with pytest.raises(TypeError, match="data"):
        Event(execution_id="x", event_type="t", data=[1, 2])


def test_non_json_data_named_by_path_at_dump():
    e = Event(execution_id="x", event_type="t", data={"x": {1, 2}})
    with pytest.raises(TypeError, match=r"data\.x"):
        e.model_dump_json()
    e = Event(execution_id="x", event_type="t", data={"a": [1, object()]})
    with pytest.raises(TypeError, match=r"data\.a\[1\]"):
        e.model_dump_json()


def test_jsonable_values_beyond_builtins():
    import decimal
    import enum
    import uuid
    from dataclasses import dataclass

    class Color(enum.Enum):
        RED = "red"

    @dataclass
    class Doc:
        id: int
        text: str

    u = uuid.UUID(int=1)
    e = Event(execution_id="x", event_type="t",
              data={"when": dt.datetime(2025, 1, 1, tzinfo=UTC), "color": Color.RED, "id": u,
                    "price": decimal.Decimal("1.50"), "doc": Doc(1, "t"), "raw": b"bytes", "tuple": (1, 2)})
    data = json.loads(e.model_dump_json())["data"]
    assert data == {"when": "2025-01-01T00:00:00+00:00", "color": "red", "id": str(u), "price": "1.50",
                    "doc": {"id": 1, "text": "t"}, "raw": "bytes", "tuple": [1, 2]}


def test_lone_surrogate_is_value_error():
    e = Event(execution_id="x", event_type="t", data={"s": "bad \ud800 text"})
    with pytest.raises(ValueError, match=r"data\.s"):
        e.model_dump_json()
    e = Event(execution_id="x", event_type="t\udfff")
    with pytest.raises(ValueError, match="event_type"):
        e.model_dump_json()


def test_non_str_data_key_is_type_error():
    e = Event(execution_id="x", event_type="t", data={"outer": {1: "one"}})
    with pytest.raises(TypeError, match=r"data\.outer"):
        e.model_dump_json()


def test_malformed_json_is_value_error():
    with pytest.raises(ValueError):
        Event.model_validate_json("{not json")
    with pytest.raises(ValueError, match="event_type"):
        Event.model_validate_json('{"execution_id":"x"}')

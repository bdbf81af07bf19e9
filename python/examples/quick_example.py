"""The seed's quick example: one custom event. Run: python3 quick_example.py [STORE]"""

from datetime import datetime, UTC

from streamll import emit_event
from streamll.core.events import StreamllEvent, generate_event_id, get_execution_id

from simulated import start_store

store = start_store()

emit_event(StreamllEvent(
    event_id=generate_event_id(),
    execution_id=get_execution_id(),
    timestamp=datetime.now(UTC),
    event_type="my_custom_event",  # Your custom type
    module_name="MyModule",
    method_name="forward",
    data={
        "custom_field": "custom_value",
        "metrics": {"accuracy": 0.95}
    }
))
print(f"recorded one event into {store}")

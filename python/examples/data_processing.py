"""The seed's data processing events (use case 2): validation, cleaning and
transformation of a batch inside one instrumented call.
Run: python3 data_processing.py [STORE]"""

from datetime import datetime, UTC

import streamll
from streamll import emit_event
from streamll.core.events import StreamllEvent, generate_event_id, get_execution_id

from simulated import Module, start_store


@streamll.instrument
class DataProcessor(Module):
    def validate(self, data):
        return all(isinstance(row, dict) for row in data)

    def get_removed_count(self, data):
        return sum(1 for row in data if row.get("text") is None)

    def clean(self, data):
        return [row for row in data if row.get("text") is not None]

    def transform(self, data):
        return [{"id": i, "text": row["text"].strip().lower()} for i, row in enumerate(data)]

    def forward(self, data):
        # Validation
        emit_event(StreamllEvent(
            event_id=generate_event_id(),
            execution_id=get_execution_id(),
            timestamp=datetime.now(UTC),
            event_type="data.validation",
            module_name=self.__class__.__name__,
            method_name="forward",
            data={
                "input_size": len(data),
                "valid": self.validate(data)
            }
        ))

        # Cleaning
        emit_event(StreamllEvent(
            event_id=generate_event_id(),
            execution_id=get_execution_id(),
            timestamp=datetime.now(UTC),
            event_type="data.cleaning",
            module_name=self.__class__.__name__,
            method_name="forward",
            data={"removed_count": self.get_removed_count(data)}
        ))

        cleaned = self.clean(data)

        # Transformation
        emit_event(StreamllEvent(
            event_id=generate_event_id(),
            execution_id=get_execution_id(),
            timestamp=datetime.now(UTC),
            event_type="data.transformation",
            module_name=self.__class__.__name__,
            method_name="forward",
            data={
                "input_size": len(cleaned),
                "output_format": "structured"
            }
        ))

        return self.transform(cleaned)


if __name__ == "__main__":
    start_store()
    rows = [{"text": " Hello "}, {"text": None}, {"text": "World"}]
    print(DataProcessor()(data=rows))

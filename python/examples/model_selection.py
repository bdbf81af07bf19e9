"""The seed's model selection events (use case 3): which model a task was
routed to, and why. Run: python3 model_selection.py [STORE]"""

from datetime import datetime, UTC

import streamll
from streamll import emit_event
from streamll.core.events import StreamllEvent, generate_event_id, get_execution_id

from simulated import Module, start_store


@streamll.instrument
class AdaptiveModule(Module):
    def assess_complexity(self, task):
        return min(1.0, len(task.split()) / 20)

    def process_with_model(self, task, model):
        return f"{model} handled: {task}"

    def forward(self, task):
        complexity = self.assess_complexity(task)

        if complexity < 0.3:
            model = "gpt-3.5-turbo"
        elif complexity < 0.7:
            model = "gpt-4"
        else:
            model = "gpt-4-turbo"

        emit_event(StreamllEvent(
            event_id=generate_event_id(),
            execution_id=get_execution_id(),
            timestamp=datetime.now(UTC),
            event_type="model.selection",
            module_name=self.__class__.__name__,
            method_name="forward",
            data={
                "complexity_score": complexity,
                "selected_model": model,
                "reason": f"Complexity {complexity:.2f}"
            }
        ))

        return self.process_with_model(task, model)


if __name__ == "__main__":
    start_store()
    module = AdaptiveModule()
    for task in ["Summarize this", "Explain the trade-offs of retrieval depth against latency in RAG",
                 " ".join(["a long and demanding multi-step planning task"] * 3)]:
        print(module(task=task))

"""The seed's performance monitoring (use case 4): duration, throughput and
memory of each call as a performance.metrics event.
Run: python3 performance_monitoring.py [STORE]"""

import resource
import time
from datetime import datetime, UTC

import streamll
from streamll import emit_event
from streamll.core.events import StreamllEvent, generate_event_id, get_execution_id

from simulated import Module, start_store


@streamll.instrument
class PerformanceAwareModule(Module):
    def process(self, input_data):
        time.sleep(0.001 * len(input_data))
        return [item * 2 for item in input_data]

    def get_memory_usage(self):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    def forward(self, input_data):
        start_time = time.time()

        # Process
        result = self.process(input_data)

        duration = time.time() - start_time

        emit_event(StreamllEvent(
            event_id=generate_event_id(),
            execution_id=get_execution_id(),
            timestamp=datetime.now(UTC),
            event_type="performance.metrics",
            module_name=self.__class__.__name__,
            method_name="forward",
            data={
                "duration_seconds": duration,
                "input_size": len(input_data),
                "throughput": len(input_data) / duration,
                "memory_usage_mb": self.get_memory_usage()
            }
        ))

        return result


if __name__ == "__main__":
    start_store()
    module = PerformanceAwareModule()
    for size in (5, 10, 20):
        module(input_data=list(range(size)))
    print("recorded 3 runs; try: streamll query \"SELECT data->>'$.throughput' FROM events "
          "WHERE event_type = 'performance.metrics'\"")

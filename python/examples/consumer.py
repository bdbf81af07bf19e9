"""The seed's consumer: events from a Redis stream (what RedisSink or
`streamll replicate` wrote), dispatched by type. It reads what is in the
stream and stops (drain); remove --drain to keep consuming until Ctrl-C.
Run: python3 consumer.py redis://localhost:6379 [--drain]"""

import sys

from streamll.consumer import RedisStreamConsumer

metrics = []
alerts = []


def alert(message):
    alerts.append(message)
    print(f"ALERT: {message}")


def handle_rag_event(event):
    if event.event_type == "rag.retrieval.complete":
        num_docs = event.data.get("num_docs", 0)
        if num_docs == 0:
            alert("No documents retrieved!")


def update_metrics(event):
    if event.event_type == "performance.metrics":
        metrics.append((event.data["duration_seconds"], event.data["throughput"]))


async def handle_event(event):
    # Handle different event types
    if event.event_type.startswith("rag."):
        handle_rag_event(event)
    elif event.event_type.startswith("performance."):
        update_metrics(event)
    elif event.event_type == "error":
        alert(f"{event.module_name}: {event.data.get('error_message')}")
    else:
        print(f"{event.event_type} from {event.module_name}")


if __name__ == "__main__":
    consumer = RedisStreamConsumer(url=sys.argv[1] if len(sys.argv) > 1 else "redis://localhost:6379")
    consumer.subscribe(handle_event)
    if "--drain" in sys.argv:
        read = consumer.drain()
        print(f"read {read} entries; {len(metrics)} metrics, {len(alerts)} alerts")
    else:
        consumer.start()

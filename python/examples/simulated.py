"""What the examples simulate: a DSPy module base (real dspy.Module when DSPy
is installed) and stand-ins for retrieval, reranking and generation, so that
each example runs offline in milliseconds."""

from __future__ import annotations

import dataclasses
import random
import sys
import time

import streamll

try:
    import dspy
    Module = dspy.Module
except ImportError:  # DSPy is optional: the same calling convention
    class Module:  # type: ignore[no-redef]
        def __call__(self, *args, **kwargs):
            return self.forward(*args, **kwargs)


@dataclasses.dataclass
class Doc:
    id: str
    text: str
    score: float


def retrieve(question: str, k: int = 4) -> list[Doc]:
    time.sleep(0.002)
    return [Doc(f"doc-{i}", f"passage {i} about {question}", random.random()) for i in range(k)]


def rerank(docs: list[Doc]) -> list[Doc]:
    time.sleep(0.001)
    return sorted(docs, key=lambda d: d.score, reverse=True)[:3]


def generate(context: list[Doc], question: str) -> str:
    time.sleep(0.003)
    if "fail" in question:
        raise TimeoutError("the language model did not answer within 30 s")
    return f"An answer to {question!r} from {len(context)} passages"


def start_store() -> str:
    """Records into the store named on the command line, else $STREAMLL_DB
    or ./streamll.db."""
    path = sys.argv[1] if len(sys.argv) > 1 else None
    streamll.init(path=path)
    return streamll.runtime.store_path()

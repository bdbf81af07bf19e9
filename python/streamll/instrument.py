"""@streamll.instrument: start/end/error events around each call of a
module's forward (and aforward), dspy.Module or any class with forward."""

from __future__ import annotations

import functools
import inspect
from typing import Any, Callable, TypeVar

from . import runtime
from .tracing import Span

__all__ = ["instrument"]

T = TypeVar("T", bound=type)

_MAX_REPR = 2000  # characters of str() kept for inputs/outputs with no JSON form


def instrument(cls: T | None = None, *, sinks: list[Any] | None = None, include_inputs: bool = True,
               include_outputs: bool = True, **_upstream_options: Any) -> T | Callable[[T], T]:
    """Instruments a class with a forward() (or async aforward()) method:

        @streamll.instrument
        class RAGPipeline(dspy.Module):
            def forward(self, question): ...

    Each call emits "start" (data["inputs"]: the arguments, when
    include_inputs), then "end" with duration_seconds (and data["outputs"],
    when include_outputs) or "error" with error_type, error_message and
    traceback, re-raising the exception. module_name is the class name,
    method_name and operation "forward". The outermost call starts an
    execution, so every event emitted inside forward() (emit_event, emit,
    trace, nested instrumented modules) shares its execution_id; a call
    inside an execution joins it. Arguments and results that are not
    JSON are recorded as their str() (at most 2000 characters).

    sinks: configures these sinks for the whole process (as configure(...,
    permanent=True)): events of one run go to one place. Instrumenting a
    class twice, or a subclass of an instrumented class, is a ValueError,
    as upstream. Cost per call: two emits (a few µs).
    """

    def wrap(target: T) -> T:
        if not isinstance(target, type):
            raise TypeError(f"@streamll.instrument can only be applied to classes, got {target!r}")
        if getattr(target, "_streamll_instrumented", False):
            raise ValueError(f"Class {target.__name__} is already instrumented with @streamll.instrument")
        methods = [name for name in ("forward", "aforward") if callable(getattr(target, name, None))]
        if not methods:
            raise TypeError(f"@streamll.instrument: {target.__name__} has no forward() method")
        if sinks is not None:
            runtime._configure_sinks(list(sinks))
        for name in methods:
            setattr(target, name, _wrapped(getattr(target, name), include_inputs, include_outputs))
        target._streamll_instrumented = True
        return target

    return wrap(cls) if cls is not None else wrap


def _wrapped(method: Callable[..., Any], include_inputs: bool, include_outputs: bool) -> Callable[..., Any]:
    signature = inspect.signature(method)

    def begin(self: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Span:
        span = Span("forward", type(self).__name__, "forward", {})
        span.start(**({"inputs": _inputs(signature, self, args, kwargs)} if include_inputs else {}))
        return span

    def finish(span: Span, result: Any) -> Any:
        span.end(**({"outputs": _recordable(result)} if include_outputs and result is not None else {}))
        return result

    if inspect.iscoroutinefunction(method):
        @functools.wraps(method)
        async def async_wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
            span = begin(self, args, kwargs)
            try:
                result = await method(self, *args, **kwargs)
            except BaseException as e:
                span.fail(e)
                raise
            return finish(span, result)
        return async_wrapper

    @functools.wraps(method)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        span = begin(self, args, kwargs)
        try:
            result = method(self, *args, **kwargs)
        except BaseException as e:
            span.fail(e)
            raise
        return finish(span, result)
    return wrapper


def _inputs(signature: inspect.Signature, instance: Any, args: tuple[Any, ...],
            kwargs: dict[str, Any]) -> dict[str, Any]:
    try:
        bound = signature.bind(instance, *args, **kwargs)
        values = dict(list(bound.arguments.items())[1:])  # without self
    except TypeError:
        values = {"args": list(args), **kwargs}
    return {k: _recordable(v) for k, v in values.items()}


def _recordable(value: Any, depth: int = 0) -> Any:
    """JSON-compatible data for inputs and outputs, whatever they are."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if depth > 20:
        return _short(value)
    if isinstance(value, dict):
        return {str(k): _recordable(v, depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_recordable(v, depth + 1) for v in value]
    for method in ("model_dump", "toDict"):  # pydantic models; dspy.Example / Prediction
        dump = getattr(value, method, None)
        if callable(dump):
            try:
                return _recordable(dump(), depth + 1)
            except Exception:  # noqa: BLE001 - fall back to the text form
                break
    return _short(value)


def _short(value: Any) -> str:
    text = str(value)
    return text if len(text) <= _MAX_REPR else text[:_MAX_REPR] + "…"

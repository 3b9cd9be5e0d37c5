"""Runs the project's Lambda handlers in-process for ``Invoke`` calls.

The same handler functions that run in AWS are imported by their handler
string and called with a Lambda-shaped context; errors come back the way the
Lambda service reports them (``X-Amz-Function-Error`` plus an error payload),
so the state-machine interpreter applies Retry and Catch as AWS would.
"""

from __future__ import annotations

import importlib
import json
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol

ACCOUNT_ID = "123456789012"
REGION = "us-east-1"


class UnknownFunctionError(Exception):
    def __init__(self, *, name: str) -> None:
        super().__init__(f"function {name!r} is not registered with the local runtime")
        self.name = name


class InvalidParameterValueError(Exception):
    """A request parameter Lambda would refuse, with the reason."""

    def __init__(self, *, parameter: str, reason: str) -> None:
        super().__init__(f"{parameter}: {reason}")
        self.parameter = parameter
        self.reason = reason


@dataclass
class LambdaContextStandIn:
    """The attributes of the Lambda context object that handlers read."""

    function_name: str
    memory_limit_in_mb: int = 1024
    function_version: str = "$LATEST"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    log_group_name: str = ""
    log_stream_name: str = "local"
    timeout_seconds: int = 900
    started: float = field(default_factory=time.monotonic)

    @property
    def invoked_function_arn(self) -> str:
        return function_arn(self.function_name)

    def get_remaining_time_in_millis(self) -> int:
        elapsed = time.monotonic() - self.started
        return max(0, int((self.timeout_seconds - elapsed) * 1000))


@dataclass
class InvocationRecord:
    function_name: str
    duration_ms: float
    error: str | None


LATEST_VERSION = "$LATEST"


@dataclass(frozen=True)
class InvocationResult:
    payload: bytes
    function_error: str | None = None
    # The version that ran, as Lambda reports it in ``X-Amz-Executed-Version``.
    executed_version: str = LATEST_VERSION


class LambdaInvoker(Protocol):
    """What the gateway needs of a Lambda runtime: an ``Invoke``."""

    def invoke(self, identifier: str, payload: bytes) -> InvocationResult: ...


def split_function_identifier(identifier: str) -> tuple[str, str | None]:
    """A name, a partial ARN or a full ARN to the name and the qualifier (None: unqualified)."""
    if ":function:" in identifier:
        identifier = identifier.split(":function:", 1)[1]
    name, _, qualifier = identifier.partition(":")
    return name, qualifier or None


def function_name_from_identifier(identifier: str) -> str:
    """A name, a partial ARN or a full ARN (with or without qualifier) to the name."""
    return split_function_identifier(identifier)[0]


def function_arn(name: str, qualifier: str | None = None) -> str:
    unqualified = f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{name}"
    return unqualified if qualifier is None else f"{unqualified}:{qualifier}"


@dataclass(frozen=True)
class ResolvedFunction:
    """What an invoke names: the function, the version that runs, and the ARN the caller invoked."""

    name: str
    version: str
    qualifier: str | None

    @property
    def invoked_arn(self) -> str:
        return function_arn(self.name, self.qualifier)


class FunctionVersions:
    """The published versions and aliases of the stack's functions, as the program declares them.

    An unqualified invoke or ``$LATEST`` runs ``$LATEST``; a version number runs
    that version if it was published; an alias runs the version it points to.
    """

    def __init__(self) -> None:
        self._aliases: dict[str, dict[str, str]] = {}

    def add_alias(self, function_name: str, alias: str, version: str) -> None:
        """An alias, and the version it points to, which is thereby published."""
        self._aliases.setdefault(function_name, {})[alias] = version

    def resolve(self, identifier: str) -> ResolvedFunction:
        name, qualifier = split_function_identifier(identifier)
        aliases = self._aliases.get(name, {})
        if qualifier is None or qualifier == LATEST_VERSION:
            version = LATEST_VERSION
        elif qualifier in aliases:
            version = aliases[qualifier]
        elif qualifier.isdigit() and qualifier in aliases.values():
            version = qualifier
        else:
            raise UnknownFunctionError(name=f"{name}:{qualifier}")
        return ResolvedFunction(name=name, version=version, qualifier=qualifier)


def import_handler(handler_path: str) -> Callable[[Any, Any], Any]:
    module_name, _, attribute = handler_path.rpartition(".")
    return getattr(importlib.import_module(module_name), attribute)


DEFAULT_CONCURRENCY = 4


class InvocationGauge:
    """How many invocations run right now, and how many ever started: what shows
    that a paused workflow holds no compute."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.running = 0
        self.started = 0

    @contextmanager
    def invocation(self) -> Iterator[None]:
        with self._lock:
            self.running += 1
            self.started += 1
        try:
            yield
        finally:
            with self._lock:
                self.running -= 1


class LocalLambdaRuntime:
    """At most ``concurrency`` handlers run at once; further invocations wait
    for a slot, as Lambda holds events beyond a function's concurrency."""

    def __init__(self, concurrency: int = DEFAULT_CONCURRENCY) -> None:
        self._handlers: dict[str, str] = {}
        self._lock = threading.Lock()
        self._slots = threading.BoundedSemaphore(concurrency)
        self.invocations: list[InvocationRecord] = []
        self.gauge = InvocationGauge()

    def register(self, function_name: str, handler_path: str) -> None:
        self._handlers[function_name] = handler_path

    def invoke(self, identifier: str, payload: bytes) -> InvocationResult:
        name = function_name_from_identifier(identifier)
        if name not in self._handlers:
            raise UnknownFunctionError(name=name)
        handler = import_handler(self._handlers[name])
        event = json.loads(payload or b"{}")
        with self._slots, self.gauge.invocation():
            return self._run(name, handler, event)

    def _run(self, name: str, handler: Callable[[Any, Any], Any], event: Any) -> InvocationResult:
        started = time.perf_counter()
        error: str | None = None
        try:
            result = handler(event, LambdaContextStandIn(function_name=name))
            response = InvocationResult(payload=json.dumps(result).encode())
        except Exception as raised:  # the Lambda service reports every error the same way
            error = type(raised).__name__
            response = InvocationResult(
                payload=json.dumps(
                    {
                        "errorMessage": str(raised),
                        "errorType": error,
                        "stackTrace": traceback.format_tb(raised.__traceback__),
                    }
                ).encode(),
                function_error="Unhandled",
            )
        with self._lock:
            self.invocations.append(
                InvocationRecord(name, (time.perf_counter() - started) * 1000, error)
            )
        return response


def reset_composition() -> None:
    """Forget the functions' object graph (every cached builder in
    ``album_registry.composition``), so the next call reads the environment
    again, as a new Lambda container would: the in-process runtime and the
    tests reconfigure the functions between runs."""
    from album_registry import composition

    for builder in vars(composition).values():
        if callable(getattr(builder, "cache_clear", None)):
            builder.cache_clear()

"""Lambda's terms on this machine: the account and region, function names, ARNs,
versions and aliases, what an ``Invoke`` answers, and what the gateway needs of a
Lambda runtime (the stack's is ``lambda_workers``: the built archives in
``awslambdaric`` workers).

Also a Lambda context stand-in and ``reset_composition``, for tests that call a
handler or the functions' composition in their own process.
"""

from __future__ import annotations

import importlib
import time
import uuid
from collections.abc import Callable
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


class NoFunctions:
    """A Lambda service with no function, for a gateway that serves the other APIs only:
    every ``Invoke`` names a function it does not know."""

    def invoke(self, identifier: str, payload: bytes) -> InvocationResult:
        raise UnknownFunctionError(name=function_name_from_identifier(identifier))


def reset_composition() -> None:
    """Forget the functions' object graph (every cached builder in
    ``album_registry.composition``), so the next call reads the environment
    again, as a new Lambda container would: tests reconfigure the functions
    between runs."""
    from album_registry import composition

    for builder in vars(composition).values():
        if callable(getattr(builder, "cache_clear", None)):
            builder.cache_clear()

"""What CloudWatch would count of the stack's use, counted where the calls land.

On AWS, a function's REPORT lines give its invocations and billed time, the
table's metrics its consumed units, S3's request metrics its GETs and
Bedrock's its tokens. The local stack keeps no CloudWatch; it counts the same
things as it serves them, since it started:

- per function, the invocations and their billed time (the handler's own
  time, from the event's delivery to the answer, rounded up to the
  millisecond, as a REPORT line's ``Billed Duration`` without the init);
- per calling function, the DynamoDB units the table answered
  (``ConsumedCapacity``, which the caller asks for with
  ``ReturnConsumedCapacity``), the S3 GetObject and PutObject requests, and
  the model's input and output tokens.

The caller is known by its credentials. On AWS a function calls with its
execution role's session, which Lambda names after the function; here each
worker gets a session token naming its function (``session_token_for``),
which its SDK sends in ``X-Amz-Security-Token`` and the gateway reads. A call
with another token (the bench, the CLI, the stack's own engines, such as the
state machine's native DynamoDB writes) counts under ``NOT_A_FUNCTION``.
"""

from __future__ import annotations

import json
import math
import threading
from collections import Counter
from enum import StrEnum
from typing import Any

SESSION_TOKEN_PREFIX = "local-function-session/"
NOT_A_FUNCTION = "-"


class CallerUsage(StrEnum):
    """What a caller's calls consumed, as ``GET /_local/usage`` names it."""

    DYNAMODB_READ_UNITS = "DynamoDbReadUnits"
    DYNAMODB_WRITE_UNITS = "DynamoDbWriteUnits"
    S3_GET_REQUESTS = "S3GetRequests"
    S3_PUT_REQUESTS = "S3PutRequests"
    BEDROCK_INPUT_TOKENS = "BedrockInputTokens"
    BEDROCK_OUTPUT_TOKENS = "BedrockOutputTokens"


def session_token_for(function_name: str) -> str:
    """The session token a function's workers sign with: it names the function."""
    return f"{SESSION_TOKEN_PREFIX}{function_name}"


def caller_of(environ: dict[str, Any]) -> str:
    """The function a request came from, by its session token; ``NOT_A_FUNCTION`` otherwise."""
    token = environ.get("HTTP_X_AMZ_SECURITY_TOKEN", "")
    return token.removeprefix(SESSION_TOKEN_PREFIX) if token.startswith(SESSION_TOKEN_PREFIX) else NOT_A_FUNCTION


class StackUsage:
    """The counters, safe to add to from the gateway's and the runtime's threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._invocations: Counter[str] = Counter()
        self._billed_ms: Counter[str] = Counter()
        self._callers: dict[str, Counter[str]] = {}

    def add_invocation(self, function_name: str, duration_ms: float) -> None:
        with self._lock:
            self._invocations[function_name] += 1
            # Lambda bills each invocation's duration rounded up to the millisecond.
            self._billed_ms[function_name] += math.ceil(duration_ms)

    def add(self, caller: str, usage: CallerUsage, amount: float) -> None:
        with self._lock:
            self._callers.setdefault(caller, Counter())[usage.value] += amount

    def snapshot(self) -> dict[str, Any]:
        """``{"Lambda": {NAME: {"Invocations": N, "BilledDurationMs": MS}}, "Callers": {CALLER: {USAGE: N}}}``."""
        with self._lock:
            return {
                "Lambda": {
                    name: {"Invocations": count, "BilledDurationMs": self._billed_ms[name]}
                    for name, count in sorted(self._invocations.items())
                },
                "Callers": {caller: dict(counts) for caller, counts in sorted(self._callers.items())},
            }


_DYNAMODB_READS = frozenset({"GetItem", "Query", "Scan", "BatchGetItem", "TransactGetItems"})
_DYNAMODB_WRITES = frozenset({"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"})
_DECODER = json.JSONDecoder()


def last_member(body: bytes, name: str) -> Any:
    """The value of the last member ``name`` in a JSON answer, decoded alone (None: absent).

    The members counted here (``ConsumedCapacity``, ``usage``) come last in
    their answers, after items or a model's output that may be long: only
    their own few bytes are decoded.
    """
    at = body.rfind(f'"{name}"'.encode())
    if at < 0:
        return None
    colon = body.find(b":", at)
    if colon < 0:
        return None
    try:
        value, _ = _DECODER.raw_decode(body[colon + 1 :].decode().lstrip())
    except (ValueError, UnicodeDecodeError):
        return None
    return value


def dynamodb_units(target: str, body: bytes) -> tuple[CallerUsage, float] | None:
    """The units a DynamoDB answer reports consumed, read or write by its operation
    (``X-Amz-Target: DynamoDB_20120810.OPERATION``); None: none reported."""
    operation = target.rpartition(".")[2]
    if operation in _DYNAMODB_READS:
        usage = CallerUsage.DYNAMODB_READ_UNITS
    elif operation in _DYNAMODB_WRITES:
        usage = CallerUsage.DYNAMODB_WRITE_UNITS
    else:
        return None
    reported = last_member(body, "ConsumedCapacity")
    entries = reported if isinstance(reported, list) else [reported]
    units = sum(float(entry.get("CapacityUnits", 0.0)) for entry in entries if isinstance(entry, dict))
    return (usage, units) if units else None


def bedrock_tokens(body: bytes) -> tuple[int, int]:
    """A Converse answer's input and output tokens."""
    reported = last_member(body, "usage")
    if not isinstance(reported, dict):
        return 0, 0
    return int(reported.get("inputTokens", 0)), int(reported.get("outputTokens", 0))

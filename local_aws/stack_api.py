"""What the local stack tells about itself, beside the AWS APIs it serves.

AWS has no API for a function's cold starts (its REPORT log lines carry an
``Init Duration`` when one happened); the local stack counts them in its
worker pools and answers ``GET /_local/lambda/cold-starts`` with the counts
since it started, per function: ``{"ColdStarts": {"NAME": N}}``.

What CloudWatch would know of the stack's use (the functions' invocations
and billed time, the table's consumed units, S3's object requests, the
model's tokens) it counts where the calls land (``local_aws.usage``) and
answers ``GET /_local/usage`` with the totals since it started:
``{"Lambda": {NAME: {"Invocations": N, "BilledDurationMs": MS}},
"Callers": {CALLER: {"DynamoDbReadUnits": U, ...}}}``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any, Protocol

from local_aws.usage import StackUsage

COLD_STARTS_PATH = "/_local/lambda/cold-starts"
USAGE_PATH = "/_local/usage"

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class ColdStartCounter(Protocol):
    def cold_starts(self) -> dict[str, int]: ...


def with_stack_api(app: WsgiApp, runtime: ColdStartCounter, usage: StackUsage) -> WsgiApp:
    """``app`` with the stack's own read-only paths in front of it."""
    answers: dict[str, Callable[[], dict[str, Any]]] = {
        COLD_STARTS_PATH: lambda: {"ColdStarts": runtime.cold_starts()},
        USAGE_PATH: usage.snapshot,
    }

    def serve(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        answer = answers.get(environ.get("PATH_INFO", "")) if environ["REQUEST_METHOD"] == "GET" else None
        if answer is None:
            return app(environ, start_response)
        body = json.dumps(answer()).encode()
        start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return [body]

    return serve

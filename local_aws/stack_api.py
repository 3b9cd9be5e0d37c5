"""What the local stack tells about itself, beside the AWS APIs it serves.

AWS has no API for a function's cold starts (its REPORT log lines carry an
``Init Duration`` when one happened); the local stack counts them in its
worker pools and answers ``GET /_local/lambda/cold-starts`` with the counts
since it started, per function: ``{"ColdStarts": {"NAME": N}}``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any, Protocol

COLD_STARTS_PATH = "/_local/lambda/cold-starts"

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class ColdStartCounter(Protocol):
    def cold_starts(self) -> dict[str, int]: ...


def with_stack_api(app: WsgiApp, runtime: ColdStartCounter) -> WsgiApp:
    """``app`` with the stack's own read-only paths in front of it."""

    def serve(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ["REQUEST_METHOD"] == "GET" and environ.get("PATH_INFO") == COLD_STARTS_PATH:
            body = json.dumps({"ColdStarts": runtime.cold_starts()}).encode()
            start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
            return [body]
        return app(environ, start_response)

    return serve

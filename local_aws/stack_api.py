"""What the local stack tells about itself, and the faults it can be told to make,
beside the AWS APIs it serves.

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

A chaos control, as local emulators have (LocalStack's chaos API): the table
refusing the price writes of some albums with DynamoDB's throttling error
(``local_aws.table_faults``), whichever engine sends them.
``POST /_local/faults/throttled-price-writes`` with ``{"AlbumIndexes": [4]}``
sets the albums (``[]``: none); it and ``GET`` answer
``{"AlbumIndexes": [4], "Throttled": {PK: N}}``, the writes refused so far
per partition key (one execution of one pattern).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import Any, Protocol

from local_aws.table_faults import ThrottledPriceWrites
from local_aws.usage import StackUsage

COLD_STARTS_PATH = "/_local/lambda/cold-starts"
USAGE_PATH = "/_local/usage"
THROTTLED_PRICE_WRITES_PATH = "/_local/faults/throttled-price-writes"

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class ColdStartCounter(Protocol):
    def cold_starts(self) -> dict[str, int]: ...


class InvalidFaultRequestError(Exception):
    def __init__(self, *, problem: str) -> None:
        super().__init__(problem)
        self.problem = problem


def with_stack_api(
    app: WsgiApp,
    runtime: ColdStartCounter,
    usage: StackUsage,
    price_writes: ThrottledPriceWrites | None = None,
) -> WsgiApp:
    """``app`` with the stack's own paths in front of it: its counters, and the
    throttled price writes' control when ``price_writes`` is the fault in front of ``app``."""
    answers: dict[str, Callable[[], dict[str, Any]]] = {
        COLD_STARTS_PATH: lambda: {"ColdStarts": runtime.cold_starts()},
        USAGE_PATH: usage.snapshot,
    }
    if price_writes is not None:
        answers[THROTTLED_PRICE_WRITES_PATH] = price_writes.snapshot

    def serve(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO", ""), environ["REQUEST_METHOD"]
        if method == "GET" and path in answers:
            return _answer(start_response, HTTPStatus.OK, answers[path]())
        if method == "POST" and path == THROTTLED_PRICE_WRITES_PATH and price_writes is not None:
            try:
                price_writes.throttle(_album_indexes(environ))
            except InvalidFaultRequestError as error:
                return _answer(start_response, HTTPStatus.BAD_REQUEST, {"message": error.problem})
            return _answer(start_response, HTTPStatus.OK, price_writes.snapshot())
        return app(environ, start_response)

    return serve


def _album_indexes(environ: dict[str, Any]) -> list[int]:
    length = int(environ.get("CONTENT_LENGTH") or 0)
    try:
        document = json.loads(environ["wsgi.input"].read(length) if length else b"")
    except ValueError:
        document = None
    indexes = document.get("AlbumIndexes") if isinstance(document, dict) else None
    if not isinstance(indexes, list) or not all(type(index) is int and index >= 1 for index in indexes):
        raise InvalidFaultRequestError(problem='the body must be {"AlbumIndexes": [N, ...]}, albums counted from 1')
    return indexes


def _answer(start_response: Callable[..., Any], status: HTTPStatus, document: dict[str, Any]) -> list[bytes]:
    body = json.dumps(document).encode()
    start_response(
        f"{status.value} {status.phrase}", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
    )
    return [body]

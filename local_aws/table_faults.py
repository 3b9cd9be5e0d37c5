"""A table over its capacity for some writes: DynamoDB's throttling error at the wire.

Wraps the local endpoint's WSGI application. While album indexes are set
(``throttle``), every write that would mark one of those albums priced is
answered with ``ProvisionedThroughputExceededException``, whoever sends it: the
durable pattern's repository (a PutItem of the whole album) or the state
machine's native StorePrice task (an UpdateItem setting the status). Both
patterns meet the same fault at the same place, past whatever retries they
make; every other request passes through untouched. The stack installs it
with none set, and its control path (``local_aws.stack_api``) sets them.
"""

from __future__ import annotations

import io
import json
import threading
import uuid
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

from album_registry.domain import keys
from album_registry.domain.models import AlbumStatus

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
_WRITES = frozenset({"DynamoDB_20120810.PutItem", "DynamoDB_20120810.UpdateItem"})
_PRICED = {"S": AlbumStatus.PRICED.value}
_THROTTLED = json.dumps(
    {
        "__type": "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
        "message": "The level of configured provisioned throughput for the table was exceeded.",
    }
).encode()


class ThrottledPriceWrites:
    def __init__(self, app: WsgiApp) -> None:
        self._app = app
        self._lock = threading.Lock()
        self._album_indexes: tuple[int, ...] = ()
        self._sort_keys: frozenset[str] = frozenset()
        # Refused writes by partition key: one execution's, of one pattern.
        self.throttled: Counter[str] = Counter()

    def throttle(self, album_indexes: Iterable[int]) -> None:
        """From now on, refuse the price writes of these albums (none: refuse nothing)."""
        indexes = tuple(sorted(set(album_indexes)))
        with self._lock:
            self._album_indexes = indexes
            self._sort_keys = frozenset(keys.album_sk(index) for index in indexes)

    def snapshot(self) -> dict[str, Any]:
        """The albums whose price writes are refused, and the writes refused so far by partition key."""
        with self._lock:
            return {"AlbumIndexes": list(self._album_indexes), "Throttled": dict(self.throttled)}

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        sort_keys = self._sort_keys  # read once: the control path may replace it meanwhile
        if sort_keys and environ.get("HTTP_X_AMZ_TARGET") in _WRITES:
            length = int(environ.get("CONTENT_LENGTH") or 0)
            body = environ["wsgi.input"].read(length) if length else b""
            environ["wsgi.input"] = io.BytesIO(body)
            partition = _prices_one_of(json.loads(body or b"{}"), sort_keys)
            if partition is not None:
                with self._lock:
                    self.throttled[partition] += 1
                start_response(
                    "400 Bad Request",
                    [("Content-Type", "application/x-amz-json-1.0"), ("x-amzn-RequestId", str(uuid.uuid4()))],
                )
                return [_THROTTLED]
        return self._app(environ, start_response)


def _prices_one_of(request: dict[str, Any], sort_keys: frozenset[str]) -> str | None:
    """The partition key of a write that marks one of the albums priced, else None."""
    item = request.get("Item") or request.get("Key") or {}
    sort_key = item.get(keys.SORT_KEY, {}).get("S")
    status = request.get("Item", {}).get("status") or request.get("ExpressionAttributeValues", {}).get(":status")
    if sort_key in sort_keys and status == _PRICED:
        return item[keys.PARTITION_KEY]["S"]
    return None

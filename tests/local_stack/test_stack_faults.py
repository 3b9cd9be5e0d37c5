"""The stack's chaos control: the table refusing some albums' price writes, set and read
through ``/_local/faults/throttled-price-writes`` in front of the stack's endpoint.

The endpoint behind the fault is a stand-in that answers every request and keeps
what reached it: what is refused must never reach the table. (The two engines
meeting the fault on a running stack: tests/pipelines/test_pipeline_equivalence.py.)
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

import pytest
from werkzeug.test import Client

from album_registry.domain import keys
from local_aws.stack_api import THROTTLED_PRICE_WRITES_PATH, with_stack_api
from local_aws.table_faults import ThrottledPriceWrites
from local_aws.usage import StackUsage

PARTITION = "ldf#EXEC#run-1"
THROTTLING_ERROR = "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException"


class Table:
    """The endpoint behind the fault: answers every request, keeps each body."""

    def __init__(self) -> None:
        self.reached: list[dict[str, Any]] = []

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        self.reached.append(json.loads(environ["wsgi.input"].read(length) or b"{}"))
        start_response("200 OK", [("Content-Type", "application/x-amz-json-1.0")])
        return [b"{}"]


class NoWorkers:
    def cold_starts(self) -> dict[str, int]:
        return {}


@pytest.fixture
def stack() -> tuple[Client, Table]:
    table = Table()
    faults = ThrottledPriceWrites(table)
    return Client(with_stack_api(faults, NoWorkers(), StackUsage(), faults)), table


def _price_write(client: Client, album_index: int, *, native: bool) -> Any:
    """The durable repository's PutItem of a priced album, or the state machine's native UpdateItem."""
    key = {keys.PARTITION_KEY: {"S": PARTITION}, keys.SORT_KEY: {"S": keys.album_sk(album_index)}}
    if native:
        target = "DynamoDB_20120810.UpdateItem"
        body = {"Key": key, "UpdateExpression": "SET #s = :status", "ExpressionAttributeValues": {":status": {"S": "priced"}}}
    else:
        target = "DynamoDB_20120810.PutItem"
        body = {"Item": key | {"status": {"S": "priced"}}}
    return client.post("/", data=json.dumps(body), headers={"X-Amz-Target": target})


def test_set_albums_price_writes_are_refused_from_either_engine_and_counted(stack: tuple[Client, Table]) -> None:
    client, table = stack
    answer = client.post(THROTTLED_PRICE_WRITES_PATH, json={"AlbumIndexes": [4]})
    assert answer.status_code == 200 and answer.get_json() == {"AlbumIndexes": [4], "Throttled": {}}

    refused = [_price_write(client, 4, native=False), _price_write(client, 4, native=True)]
    assert [r.status_code for r in refused] == [400, 400]
    assert {json.loads(r.get_data())["__type"] for r in refused} == {THROTTLING_ERROR}
    assert _price_write(client, 3, native=True).status_code == 200
    assert [body["Key" if "Key" in body else "Item"][keys.SORT_KEY]["S"] for body in table.reached] == [keys.album_sk(3)]
    assert client.get(THROTTLED_PRICE_WRITES_PATH).get_json() == {"AlbumIndexes": [4], "Throttled": {PARTITION: 2}}


def test_no_albums_set_means_no_fault(stack: tuple[Client, Table]) -> None:
    client, table = stack
    assert _price_write(client, 4, native=False).status_code == 200
    client.post(THROTTLED_PRICE_WRITES_PATH, json={"AlbumIndexes": [4]})
    assert client.post(THROTTLED_PRICE_WRITES_PATH, json={"AlbumIndexes": []}).get_json()["AlbumIndexes"] == []
    assert _price_write(client, 4, native=True).status_code == 200
    assert len(table.reached) == 2


@pytest.mark.parametrize("body", ["not json", "[4]", '{"AlbumIndexes": 4}', '{"AlbumIndexes": [0]}', '{"AlbumIndexes": ["4"]}'])
def test_a_request_that_names_no_albums_is_refused_and_changes_nothing(stack: tuple[Client, Table], body: str) -> None:
    client, table = stack
    client.post(THROTTLED_PRICE_WRITES_PATH, json={"AlbumIndexes": [2]})
    answer = client.post(THROTTLED_PRICE_WRITES_PATH, data=body)
    assert answer.status_code == 400
    assert "AlbumIndexes" in answer.get_json()["message"]
    assert client.get(THROTTLED_PRICE_WRITES_PATH).get_json()["AlbumIndexes"] == [2]
    assert table.reached == []

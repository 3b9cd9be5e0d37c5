"""The local stack writes DynamoDB's item answers as plain JSON (local_aws/dynamodb_responses.py).

Each answer of every item operation is written both ways, by moto's model
serializer and as plain JSON, and the two must say the same.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws
from moto.core.responses import ActionResult

from local_aws.dynamodb_responses import ITEM_OPERATIONS, install_plain_item_answers, plain_item_answer

TABLE = "registry"
KEY = {"pk": {"S": "p"}, "sk": {"S": "001"}}


@pytest.fixture
def answers(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, list[tuple[str, Any, str | None]]]]:
    """A client, and each answer as (operation, the model's JSON, the plain JSON or None)."""
    install_plain_item_answers()
    model_serializer = ActionResult.execute_result.__wrapped__  # type: ignore[attr-defined]
    seen: list[tuple[str, Any, str | None]] = []

    def both_ways(result: ActionResult, context: Any) -> tuple[int, dict[str, str], str]:
        status, headers, body = model_serializer(result, context)
        if context.service_model.service_name == "dynamodb":
            seen.append((context.operation_model.name, json.loads(body), plain_item_answer(context.operation_model, result.result)))
        return status, headers, body

    monkeypatch.setattr(ActionResult, "execute_result", both_ways)
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        client.create_table(
            TableName=TABLE,
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
            AttributeDefinitions=[{"AttributeName": name, "AttributeType": "S"} for name in ("pk", "sk")],
            BillingMode="PAY_PER_REQUEST",
        )
        yield client, seen


def _item(sk: str) -> dict[str, Any]:
    return {
        "pk": {"S": "p"},
        "sk": {"S": sk},
        "price": {"N": "12.50"},
        "album": {"M": {"tracks": {"L": [{"S": "So What"}, {"NULL": True}, {"BOOL": False}]}}},
        "genres": {"SS": ["jazz", "modal"]},
        "years": {"NS": ["1959", "1997"]},
    }


def test_every_item_operation_answers_as_the_model_writes_it(answers: tuple[Any, list[tuple[str, Any, str | None]]]) -> None:
    client, seen = answers
    capacity = {"ReturnConsumedCapacity": "TOTAL"}
    for number in range(8):
        client.put_item(TableName=TABLE, Item=_item(f"{number:03d}"), **capacity)
    client.put_item(TableName=TABLE, Item=_item("001"), ReturnValues="ALL_OLD")
    client.get_item(TableName=TABLE, Key=KEY, **capacity)
    client.get_item(TableName=TABLE, Key={"pk": {"S": "p"}, "sk": {"S": "none"}})
    client.query(
        TableName=TABLE,
        KeyConditionExpression="pk = :p",
        ExpressionAttributeValues={":p": {"S": "p"}},
        Limit=3,
        **capacity,
    )
    client.query(
        TableName=TABLE, KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": {"S": "p"}}, Select="COUNT"
    )
    client.scan(TableName=TABLE, Limit=2, **capacity)
    client.update_item(
        TableName=TABLE,
        Key=KEY,
        UpdateExpression="SET price = price + :one",
        ExpressionAttributeValues={":one": {"N": "1"}},
        ReturnValues="ALL_NEW",
        **capacity,
    )
    client.delete_item(TableName=TABLE, Key={"pk": {"S": "p"}, "sk": {"S": "002"}}, ReturnValues="ALL_OLD", **capacity)
    client.batch_get_item(RequestItems={TABLE: {"Keys": [KEY, {"pk": {"S": "p"}, "sk": {"S": "003"}}]}}, **capacity)
    client.batch_write_item(RequestItems={TABLE: [{"PutRequest": {"Item": _item("100")}}]}, **capacity)
    client.transact_write_items(TransactItems=[{"Put": {"TableName": TABLE, "Item": _item("101")}}], **capacity)
    client.transact_get_items(TransactItems=[{"Get": {"TableName": TABLE, "Key": KEY}}])

    item_answers = [(operation, model, plain) for operation, model, plain in seen if operation in ITEM_OPERATIONS]
    assert {operation for operation, _, _ in item_answers} == ITEM_OPERATIONS
    assert [(operation, model) for operation, model, plain in item_answers if plain is None] == []
    assert [
        (operation, model, json.loads(plain)) for operation, model, plain in item_answers if json.loads(plain) != model
    ] == []


def test_a_binary_attribute_is_left_to_the_model(answers: tuple[Any, list[tuple[str, Any, str | None]]]) -> None:
    client, seen = answers
    client.put_item(TableName=TABLE, Item={**KEY, "cover": {"B": b"\x89PNG"}})

    read = client.get_item(TableName=TABLE, Key=KEY)

    assert read["Item"]["cover"] == {"B": b"\x89PNG"}
    assert [plain for operation, _, plain in seen if operation == "GetItem"] == [None]

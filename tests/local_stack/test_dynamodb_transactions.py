"""The local stack's DynamoDB transactions: rolled back item by item, as DynamoDB does.

moto backs up a whole table per transaction and restores it on cancel; the
stack backs up the transaction's own items (local_aws/dynamodb_transactions.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws
from moto.dynamodb.models import dynamodb_backends

from local_aws.dynamodb_transactions import install_item_rollback

TABLE = "registry"
ACCOUNT = "123456789012"
REGION = "us-east-1"


@pytest.fixture
def dynamodb() -> Iterator[Any]:
    install_item_rollback()
    with mock_aws():
        client = boto3.client("dynamodb", region_name=REGION)
        client.create_table(
            TableName=TABLE,
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        yield client


def _item(pk: str, sk: str, **fields: str) -> dict[str, dict[str, str]]:
    return {"pk": {"S": pk}, "sk": {"S": sk}, **{name: {"S": value} for name, value in fields.items()}}


def _items(client: Any) -> dict[tuple[str, str], dict[str, Any]]:
    return {(i["pk"]["S"], i["sk"]["S"]): i for i in client.scan(TableName=TABLE)["Items"]}


def test_a_cancelled_transaction_leaves_every_named_item_as_it_was(dynamodb: Any) -> None:
    dynamodb.put_item(TableName=TABLE, Item=_item("a", "1", status="running"))
    dynamodb.put_item(TableName=TABLE, Item=_item("b", "1", status="running"))
    dynamodb.put_item(TableName=TABLE, Item=_item("untouched", "1", status="kept"))
    before = _items(dynamodb)
    with pytest.raises(ClientError) as cancelled:
        dynamodb.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": TABLE, "Item": _item("new", "1", status="created")}},
                {
                    "Update": {
                        "TableName": TABLE,
                        "Key": {"pk": {"S": "a"}, "sk": {"S": "1"}},
                        "UpdateExpression": "SET #s = :done",
                        "ExpressionAttributeNames": {"#s": "status"},
                        "ExpressionAttributeValues": {":done": {"S": "completed"}},
                    }
                },
                {"Delete": {"TableName": TABLE, "Key": {"pk": {"S": "b"}, "sk": {"S": "1"}}}},
                {
                    "Put": {
                        "TableName": TABLE,
                        "Item": _item("c", "1", status="created"),
                        "ConditionExpression": "attribute_exists(pk)",
                    }
                },
            ]
        )
    assert cancelled.value.response["Error"]["Code"] == "TransactionCanceledException"
    assert _items(dynamodb) == before


def test_a_transaction_that_passes_writes_every_item(dynamodb: Any) -> None:
    dynamodb.put_item(TableName=TABLE, Item=_item("a", "1", status="running"))
    dynamodb.transact_write_items(
        TransactItems=[
            {"Put": {"TableName": TABLE, "Item": _item("new", "1"), "ConditionExpression": "attribute_not_exists(pk)"}},
            {"Delete": {"TableName": TABLE, "Key": {"pk": {"S": "a"}, "sk": {"S": "1"}}}},
        ]
    )
    assert set(_items(dynamodb)) == {("new", "1")}


def test_a_cancelled_transaction_keeps_a_write_made_while_it_ran(dynamodb: Any) -> None:
    """moto restored its whole-table backup on cancel, undoing writes made meanwhile."""
    backend = dynamodb_backends[ACCOUNT][REGION]
    table = backend.get_table(TABLE)
    original_put = table.put_item
    concurrent = _item("other-client", "1", status="written meanwhile")

    def put_then_another_client_writes(*args: Any, **kwargs: Any) -> Any:
        stored = original_put(*args, **kwargs)
        table.put_item = original_put
        original_put(concurrent)  # another client's PutItem, between two of the transaction's items
        return stored

    table.put_item = put_then_another_client_writes
    with pytest.raises(ClientError):
        dynamodb.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": TABLE, "Item": _item("mine", "1")}},
                {"ConditionCheck": {"TableName": TABLE, "Key": {"pk": {"S": "x"}, "sk": {"S": "1"}}, "ConditionExpression": "attribute_exists(pk)"}},
            ]
        )
    assert set(_items(dynamodb)) == {("other-client", "1")}


def test_a_table_backup_is_still_a_copy(dynamodb: Any) -> None:
    dynamodb.put_item(TableName=TABLE, Item=_item("a", "1", status="before"))
    arn = dynamodb.create_backup(TableName=TABLE, BackupName="before-change")["BackupDetails"]["BackupArn"]
    dynamodb.put_item(TableName=TABLE, Item=_item("a", "1", status="after"))
    dynamodb.restore_table_from_backup(TargetTableName="restored", BackupArn=arn)
    restored = dynamodb.scan(TableName="restored")["Items"]
    assert [item["status"]["S"] for item in restored] == ["before"]

"""The local stack's DynamoDB queries read their partition (local_aws/dynamodb_queries.py).

What must not change is the answer: a query's items, their order, its pages.
Each query here is checked against the items the test wrote, sorted as
DynamoDB sorts them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from moto import mock_aws

from local_aws.dynamodb_queries import install_partition_reads

TABLE = "registry"
INDEX = "GSI1"
REGION = "us-east-1"

_ITEMS = st.lists(
    st.tuples(st.sampled_from("abcd"), st.text("xyz", min_size=1, max_size=4), st.sampled_from(["p", "q"])),
    min_size=1,
    max_size=25,
    unique_by=lambda item: item[:2],
)


@pytest.fixture(scope="module")
def dynamodb() -> Iterator[Any]:
    install_partition_reads()
    with mock_aws():
        yield boto3.client("dynamodb", region_name=REGION)


def _fresh_table(client: Any) -> None:
    if TABLE in client.list_tables()["TableNames"]:
        client.delete_table(TableName=TABLE)
    client.create_table(
        TableName=TABLE,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": name, "AttributeType": "S"} for name in ("pk", "sk", "GSI1PK", "GSI1SK")
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": INDEX,
                "KeySchema": [
                    {"AttributeName": "GSI1PK", "KeyType": "HASH"},
                    {"AttributeName": "GSI1SK", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
        BillingMode="PAY_PER_REQUEST",
    )


def _all_pages(client: Any, request: dict[str, Any]) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    while True:
        page = client.query(**request)
        found.extend((item["pk"]["S"], item["sk"]["S"]) for item in page["Items"])
        if "LastEvaluatedKey" not in page:
            return found
        request = {**request, "ExclusiveStartKey": page["LastEvaluatedKey"]}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    items=_ITEMS,
    partition=st.sampled_from("abcd"),
    after=st.sampled_from(["w", "x", "y", "yz"]),
    forward=st.booleans(),
    limit=st.integers(1, 4),
)
def test_a_partition_query_answers_as_dynamodb_does(
    dynamodb: Any, items: list[tuple[str, str, str]], partition: str, after: str, forward: bool, limit: int
) -> None:
    _fresh_table(dynamodb)
    for pk, sk, group in items:
        dynamodb.put_item(TableName=TABLE, Item={"pk": {"S": pk}, "sk": {"S": sk}, "GSI1PK": {"S": group}, "GSI1SK": {"S": f"{sk}#{pk}"}})

    found = _all_pages(
        dynamodb,
        {
            "TableName": TABLE,
            "KeyConditionExpression": "pk = :pk AND sk > :after",
            "ExpressionAttributeValues": {":pk": {"S": partition}, ":after": {"S": after}},
            "ScanIndexForward": forward,
            "Limit": limit,
        },
    )

    expected = sorted(((pk, sk) for pk, sk, _ in items if pk == partition and sk > after), reverse=not forward)
    assert found == expected


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(items=_ITEMS, group=st.sampled_from(["p", "q"]), forward=st.booleans(), limit=st.integers(1, 4))
def test_an_index_query_answers_as_dynamodb_does(
    dynamodb: Any, items: list[tuple[str, str, str]], group: str, forward: bool, limit: int
) -> None:
    _fresh_table(dynamodb)
    for pk, sk, item_group in items:
        dynamodb.put_item(
            TableName=TABLE,
            Item={"pk": {"S": pk}, "sk": {"S": sk}, "GSI1PK": {"S": item_group}, "GSI1SK": {"S": f"{sk}#{pk}"}},
        )

    found = _all_pages(
        dynamodb,
        {
            "TableName": TABLE,
            "IndexName": INDEX,
            "KeyConditionExpression": "GSI1PK = :group",
            "ExpressionAttributeValues": {":group": {"S": group}},
            "ScanIndexForward": forward,
            "Limit": limit,
        },
    )

    in_group = [(f"{sk}#{pk}", (pk, sk)) for pk, sk, item_group in items if item_group == group]
    assert found == [key for _, key in sorted(in_group, reverse=not forward)]


def test_a_table_without_a_range_key_answers_its_one_item(dynamodb: Any) -> None:
    dynamodb.create_table(
        TableName="flat",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    for pk in ("a", "b", "c"):
        dynamodb.put_item(TableName="flat", Item={"pk": {"S": pk}, "n": {"S": pk * 2}})

    answer = dynamodb.query(
        TableName="flat", KeyConditionExpression="pk = :pk", ExpressionAttributeValues={":pk": {"S": "b"}}
    )
    missing = dynamodb.query(
        TableName="flat", KeyConditionExpression="pk = :pk", ExpressionAttributeValues={":pk": {"S": "z"}}
    )

    assert answer["Items"] == [{"pk": {"S": "b"}, "n": {"S": "bb"}}]
    assert missing["Items"] == []

"""Fixtures shared by the whole suite."""

from __future__ import annotations

import os
from collections.abc import Iterator

import boto3
import pytest
from hypothesis import settings
from moto import mock_aws

settings.register_profile("project", max_examples=100, deadline=None)
settings.load_profile("project")

# No test may reach a real AWS account, whatever the machine's environment says.
for _name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_SESSION_TOKEN"):
    os.environ.pop(_name, None)
os.environ["AWS_ACCESS_KEY_ID"] = "testing"
os.environ["AWS_SECRET_ACCESS_KEY"] = "testing"
os.environ["AWS_DEFAULT_REGION"] = "us-east-1"


@pytest.fixture
def aws() -> Iterator[None]:
    with mock_aws():
        yield


@pytest.fixture
def dynamodb_table(aws: None) -> str:
    """An empty registry table on moto, created from the infrastructure's key schema."""
    from album_registry.domain import keys

    client = boto3.client("dynamodb")
    name = "albums-test"
    client.create_table(
        TableName=name,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[
            {"AttributeName": attribute, "AttributeType": "S"}
            for attribute in (keys.PARTITION_KEY, keys.SORT_KEY, keys.GSI1_PARTITION_KEY, keys.GSI1_SORT_KEY)
        ],
        KeySchema=[
            {"AttributeName": keys.PARTITION_KEY, "KeyType": "HASH"},
            {"AttributeName": keys.SORT_KEY, "KeyType": "RANGE"},
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": keys.GSI1_NAME,
                "KeySchema": [
                    {"AttributeName": keys.GSI1_PARTITION_KEY, "KeyType": "HASH"},
                    {"AttributeName": keys.GSI1_SORT_KEY, "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
    )
    return name

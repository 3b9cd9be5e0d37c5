"""Creates the registry's table and bucket on a local endpoint.

The key schema comes from the core's key module, the same constants the
Pulumi component uses, so local and AWS tables cannot drift apart.
"""

from __future__ import annotations

from typing import Any

from album_registry.domain import keys


def create_registry_table(dynamodb: Any, table_name: str) -> None:
    key_attributes = (keys.PARTITION_KEY, keys.SORT_KEY, keys.GSI1_PARTITION_KEY, keys.GSI1_SORT_KEY)
    dynamodb.create_table(
        TableName=table_name,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": name, "AttributeType": "S"} for name in key_attributes],
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


def create_upload_bucket(s3: Any, bucket_name: str) -> None:
    s3.create_bucket(Bucket=bucket_name)
    s3.put_bucket_versioning(Bucket=bucket_name, VersioningConfiguration={"Status": "Enabled"})

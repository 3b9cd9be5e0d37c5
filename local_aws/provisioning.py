"""Creates the registry's table and bucket on a local endpoint.

The table's definition is the one the Pulumi program declares (run under
mocks once per process), so local and AWS tables cannot drift apart; only its
name changes, for tests and pipelines that need a table of their own.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from local_aws.lambda_runtime import REGION
from local_aws.pulumi_program import run_program

LOCAL_STACK_NAME = "local"
LOCAL_PROJECT_CONFIG: dict[str, object] = {
    "aws:region": REGION,
    # The local stack runs this machine's twin of the code.
    "vinyl-album-registry:deployTarget": "local",
}


@cache
def _program_table() -> Mapping[str, Any]:
    return run_program(LOCAL_STACK_NAME, dict(LOCAL_PROJECT_CONFIG)).one("aws:dynamodb/table:Table").inputs


def create_registry_table(dynamodb: Any, table_name: str) -> None:
    dynamodb.create_table(**table_request({**_program_table(), "name": table_name}))


def table_request(inputs: Mapping[str, Any]) -> dict[str, Any]:
    key_schema = [{"AttributeName": inputs["hashKey"], "KeyType": "HASH"}]
    if inputs.get("rangeKey"):
        key_schema.append({"AttributeName": inputs["rangeKey"], "KeyType": "RANGE"})
    request: dict[str, Any] = {
        "TableName": inputs["name"],
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [
            {"AttributeName": attribute["name"], "AttributeType": attribute["type"]}
            for attribute in inputs["attributes"]
        ],
        "KeySchema": key_schema,
    }
    indexes = inputs.get("globalSecondaryIndexes") or []
    if indexes:
        request["GlobalSecondaryIndexes"] = [
            {
                "IndexName": index["name"],
                "KeySchema": [
                    {"AttributeName": key["attributeName"], "KeyType": key["keyType"]}
                    for key in index["keySchemas"]
                ],
                "Projection": {"ProjectionType": index.get("projectionType", "ALL")},
            }
            for index in indexes
        ]
    return request


def create_upload_bucket(s3: Any, bucket_name: str) -> None:
    s3.create_bucket(Bucket=bucket_name)
    s3.put_bucket_versioning(Bucket=bucket_name, VersioningConfiguration={"Status": "Enabled"})

"""The stack's usage counters: what CloudWatch would count, counted by the gateway per calling function.

moto and the offline Bedrock reader run in this process behind the stack's
gateway and its read-only API, as ``albums local up`` serves them. A function's
calls carry its session token, as its workers' do; the tests make calls as a
function and as someone else, and read ``GET /_local/usage`` before and after.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto.backends import get_backend

from album_registry.adapters.bedrock_vision import BEDROCK_CLIENT_CONFIG, BedrockVisionProvider
from album_registry.constants import DEFAULT_BEDROCK_MODEL_ID
from local_aws.gateway import GatewayServer, LocalGateway
from local_aws.lambda_runtime import NoFunctions
from local_aws.stack_api import USAGE_PATH, with_stack_api
from local_aws.usage import NOT_A_FUNCTION, StackUsage, session_token_for
from tests.local_bedrock import shared_bedrock_runtime

TABLE = "counted"
BUCKET = "counted-uploads"
FUNCTION = "vinyl-local-sf-process-image"
SERVICES = ("dynamodb", "s3")
PHOTO = Path(__file__).resolve().parents[2] / "samples" / "shelf-01.jpg"


class _NoWorkers:
    """The gateway's Lambda side is not what these tests count: no cold starts."""

    def cold_starts(self) -> dict[str, int]:
        return {}


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    for service in SERVICES:
        get_backend(service).reset()
    usage = StackUsage()
    gateway = LocalGateway(NoFunctions(), bedrock=shared_bedrock_runtime(), usage=usage)
    server = GatewayServer(with_stack_api(gateway, _NoWorkers(), usage)).start()
    yield server.endpoint
    server.stop()
    for service in SERVICES:
        get_backend(service).reset()


def _client(endpoint: str, service: str, *, function: str | None = None, **options: Any) -> Any:
    """A client signing as ``function``'s workers do (its session token), or as anyone else."""
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
        aws_session_token=session_token_for(function) if function else None,
        **options,
    )


def _usage(endpoint: str) -> dict[str, dict[str, float]]:
    with urllib.request.urlopen(f"{endpoint}{USAGE_PATH}", timeout=30) as response:
        return json.load(response)["Callers"]


def _grown(before: dict[str, dict[str, float]], after: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
    """What each caller's counters gained, leaving out those that did not move."""
    grown = {}
    for caller, counts in after.items():
        gained = {name: value - before.get(caller, {}).get(name, 0) for name, value in counts.items()}
        if any(gained.values()):
            grown[caller] = {name: value for name, value in gained.items() if value}
    return grown


@pytest.fixture(scope="module")
def table_and_bucket(endpoint: str) -> None:
    _client(endpoint, "dynamodb").create_table(
        TableName=TABLE,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    s3 = _client(endpoint, "s3")
    s3.create_bucket(Bucket=BUCKET)
    s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})


def _units(response: dict[str, Any]) -> float:
    reported = response["ConsumedCapacity"]
    return sum(entry["CapacityUnits"] for entry in (reported if isinstance(reported, list) else [reported]))


def test_table_units_are_what_the_table_answered_each_caller(endpoint: str, table_and_bucket: None) -> None:
    function, other = _client(endpoint, "dynamodb", function=FUNCTION), _client(endpoint, "dynamodb")
    before = _usage(endpoint)
    writes = [
        function.put_item(TableName=TABLE, Item={"pk": {"S": f"item-{n}"}}, ReturnConsumedCapacity="TOTAL")
        for n in range(3)
    ]
    reads = [
        function.get_item(TableName=TABLE, Key={"pk": {"S": "item-0"}}, ReturnConsumedCapacity="TOTAL"),
        function.get_item(TableName=TABLE, Key={"pk": {"S": "absent"}}, ReturnConsumedCapacity="TOTAL"),
        function.query(
            TableName=TABLE,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": "item-1"}},
            ReturnConsumedCapacity="TOTAL",
        ),
    ]
    # A call that asks for no capacity is answered none: nothing to count.
    function.get_item(TableName=TABLE, Key={"pk": {"S": "item-2"}})
    other_write = other.put_item(TableName=TABLE, Item={"pk": {"S": "other"}}, ReturnConsumedCapacity="TOTAL")
    assert _grown(before, _usage(endpoint)) == {
        FUNCTION: {"DynamoDbWriteUnits": sum(map(_units, writes)), "DynamoDbReadUnits": sum(map(_units, reads))},
        NOT_A_FUNCTION: {"DynamoDbWriteUnits": _units(other_write)},
    }


def test_s3_object_reads_and_writes_are_counted_per_caller_and_nothing_else(
    endpoint: str, table_and_bucket: None
) -> None:
    function, other = _client(endpoint, "s3", function=FUNCTION), _client(endpoint, "s3")
    before = _usage(endpoint)
    version = function.put_object(Bucket=BUCKET, Key="uploads/a.jpg", Body=b"photo")["VersionId"]
    function.get_object(Bucket=BUCKET, Key="uploads/a.jpg")["Body"].read()
    function.get_object(Bucket=BUCKET, Key="uploads/a.jpg", VersionId=version)["Body"].read()
    # Neither is a GetObject: a HEAD, and a sub-resource of the object.
    function.head_object(Bucket=BUCKET, Key="uploads/a.jpg")
    function.get_object_tagging(Bucket=BUCKET, Key="uploads/a.jpg")
    function.list_objects_v2(Bucket=BUCKET)
    other.get_object(Bucket=BUCKET, Key="uploads/a.jpg")["Body"].read()
    assert _grown(before, _usage(endpoint)) == {
        FUNCTION: {"S3PutRequests": 1, "S3GetRequests": 2},
        NOT_A_FUNCTION: {"S3GetRequests": 1},
    }


def test_model_tokens_are_the_ones_the_answer_reported(endpoint: str) -> None:
    client = _client(endpoint, "bedrock-runtime", function=FUNCTION, config=BEDROCK_CLIENT_CONFIG)
    answered: list[dict[str, int]] = []
    client.meta.events.register("after-call.bedrock-runtime.Converse", lambda parsed, **_: answered.append(parsed["usage"]))
    before = _usage(endpoint)
    BedrockVisionProvider(client=client, model_id=DEFAULT_BEDROCK_MODEL_ID).read_covers(PHOTO.read_bytes())
    assert len(answered) == 1 and answered[0]["inputTokens"] > 0
    assert _grown(before, _usage(endpoint)) == {
        FUNCTION: {"BedrockInputTokens": answered[0]["inputTokens"], "BedrockOutputTokens": answered[0]["outputTokens"]}
    }

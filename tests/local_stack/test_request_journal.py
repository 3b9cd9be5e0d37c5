"""The request journal: what moto acknowledged comes back after a crash, each write once, in order.

moto runs in this process behind the stack's gateway with the journal in
front of it; a crash is the gateway gone and moto's memory wiped, with no
clean save; the restart restores the snapshots and replays the journal, as
``albums local up`` does.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto.backends import get_backend

from local_aws import persistence
from local_aws.gateway import GatewayServer, LocalGateway
from local_aws.journal import ObjectCreated
from local_aws.lambda_runtime import NoFunctions
from local_aws.persistence import PERSISTED_SERVICES, BackendSnapshots
from tests.local_stack.conftest import wait_until

TABLE = "journalled"
BUCKET = "journalled-uploads"


class InProcessStack:
    """moto behind the gateway and its journal, restored from ``data_dir`` as the stack starts."""

    def __init__(
        self, data_dir: Path, *, deliver: Callable[[InProcessStack, ObjectCreated], None] | None = None
    ) -> None:
        for service in PERSISTED_SERVICES:
            get_backend(service).reset()
        self.snapshots = BackendSnapshots(data_dir)
        self.restored = self.snapshots.restore()
        self.heard: list[ObjectCreated] = []
        self._deliver = deliver
        gateway = LocalGateway(
            NoFunctions(), object_created=self._object_created, moto_middleware=self.snapshots.journal.middleware
        )
        self._server = GatewayServer(gateway).start()

    def _object_created(self, bucket: str, key: str, version: str | None, size: int) -> None:
        owed = ObjectCreated(bucket=bucket, key=key, version=version, size=size)
        self.heard.append(owed)
        if self._deliver is not None:
            self._deliver(self, owed)

    def client(self, service: str) -> Any:
        return boto3.client(
            service,
            endpoint_url=self._server.endpoint,
            region_name="us-east-1",
            aws_access_key_id="local",
            aws_secret_access_key="local",
        )

    def crash(self) -> None:
        """As ``kill -9`` leaves it: what the journal's files hold stays, nothing else is saved."""
        self._server.stop()
        self.snapshots.journal.close()


@pytest.fixture
def data_dir(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path / "data"
    for service in PERSISTED_SERVICES:
        get_backend(service).reset()


def create_table_and_bucket(stack: InProcessStack) -> None:
    stack.client("dynamodb").create_table(
        TableName=TABLE,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    s3 = stack.client("s3")
    s3.create_bucket(Bucket=BUCKET)
    s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})


def count(stack: InProcessStack) -> None:
    """Not idempotent: a record applied twice shows in the counter."""
    stack.client("dynamodb").update_item(
        TableName=TABLE,
        Key={"pk": {"S": "counter"}},
        UpdateExpression="ADD hits :one",
        ExpressionAttributeValues={":one": {"N": "1"}},
    )


def items(stack: InProcessStack) -> dict[str, dict[str, Any]]:
    return {item["pk"]["S"]: item for item in stack.client("dynamodb").scan(TableName=TABLE)["Items"]}


def object_versions(stack: InProcessStack) -> list[tuple[str, str, bytes]]:
    s3 = stack.client("s3")
    listed = s3.list_object_versions(Bucket=BUCKET).get("Versions", [])
    return sorted(
        (v["Key"], v["VersionId"], s3.get_object(Bucket=BUCKET, Key=v["Key"], VersionId=v["VersionId"])["Body"].read())
        for v in listed
    )


def test_acknowledged_writes_come_back_in_order_with_their_version_ids(data_dir: Path) -> None:
    stack = InProcessStack(data_dir)
    create_table_and_bucket(stack)
    dynamodb, s3 = stack.client("dynamodb"), stack.client("s3")
    dynamodb.put_item(TableName=TABLE, Item={"pk": {"S": "kept"}, "state": {"S": "first"}})
    dynamodb.put_item(TableName=TABLE, Item={"pk": {"S": "gone"}})
    count(stack)
    stack.snapshots.save()
    dynamodb.put_item(TableName=TABLE, Item={"pk": {"S": "kept"}, "state": {"S": "second"}})
    dynamodb.delete_item(TableName=TABLE, Key={"pk": {"S": "gone"}})
    count(stack)
    s3.put_object(Bucket=BUCKET, Key="uploads/a.jpg", Body=b"first body")
    s3.put_object(Bucket=BUCKET, Key="uploads/a.jpg", Body=b"second body")
    s3.put_object(Bucket=BUCKET, Key="uploads/b.jpg", Body=b"b" * 70_000)
    items_before, versions_before = items(stack), object_versions(stack)
    stack.crash()

    restarted = InProcessStack(data_dir)
    assert restarted.restored[-1] == "6 journalled requests"
    assert items(restarted) == items_before
    assert items_before["kept"]["state"] == {"S": "second"} and "gone" not in items_before
    assert items_before["counter"]["hits"] == {"N": "2"}
    assert object_versions(restarted) == versions_before
    restarted.crash()


def test_a_crash_while_a_snapshot_is_written_applies_each_record_once(data_dir: Path) -> None:
    stack = InProcessStack(data_dir)
    create_table_and_bucket(stack)
    count(stack)
    stack.snapshots.save()
    count(stack)

    def killed(*_: Any) -> None:
        raise OSError("killed before the snapshot was complete")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(persistence.os, "rename", killed)
        with pytest.raises(OSError):
            stack.snapshots.save()
    count(stack)
    stack.crash()

    restarted = InProcessStack(data_dir)
    assert items(restarted)["counter"]["hits"] == {"N": "3"}
    count(restarted)
    restarted.snapshots.save()
    restarted.crash()
    assert items(InProcessStack(data_dir))["counter"]["hits"] == {"N": "4"}


def test_a_torn_last_record_is_ignored_and_the_stack_starts(data_dir: Path) -> None:
    stack = InProcessStack(data_dir)
    create_table_and_bucket(stack)
    count(stack)
    count(stack)
    stack.crash()
    journal = max((data_dir / "moto").glob("journal-*.log"))
    journal.write_bytes(journal.read_bytes()[:-5])  # killed in the middle of the last append

    restarted = InProcessStack(data_dir)
    assert items(restarted)["counter"]["hits"] == {"N": "1"}
    count(restarted)
    restarted.crash()
    assert items(InProcessStack(data_dir))["counter"]["hits"] == {"N": "2"}


def test_an_upload_whose_event_was_not_delivered_stays_owed_across_snapshots(data_dir: Path) -> None:
    delivered = threading.Event()

    def deliver_the_first_only(stack: InProcessStack, owed: ObjectCreated) -> None:
        if owed.key == "uploads/delivered.jpg":
            stack.snapshots.journal.delivered(owed)
            delivered.set()

    stack = InProcessStack(data_dir, deliver=deliver_the_first_only)
    create_table_and_bucket(stack)
    s3 = stack.client("s3")
    s3.put_object(Bucket=BUCKET, Key="uploads/delivered.jpg", Body=b"one")
    version = s3.put_object(Bucket=BUCKET, Key="uploads/owed.jpg", Body=b"two")["VersionId"]
    wait_until(lambda: delivered.is_set() and len(stack.heard) == 2, timeout=10, what="both writes told to the trigger")
    stack.snapshots.save()
    stack.crash()

    restarted = InProcessStack(data_dir)
    owed = ObjectCreated(bucket=BUCKET, key="uploads/owed.jpg", version=version, size=3)
    assert restarted.snapshots.journal.pending_deliveries() == [owed]
    restarted.snapshots.journal.delivered(owed)
    restarted.crash()
    assert InProcessStack(data_dir).snapshots.journal.pending_deliveries() == []

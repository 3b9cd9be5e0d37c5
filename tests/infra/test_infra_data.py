"""Shared data: the bucket is private, encrypted and versioned; the table has PITR and SSE."""

from __future__ import annotations

from album_registry.domain import keys
from local_aws.pulumi_program import ProgramRun


def test_bucket_name_carries_stack_account_and_region(dev_run: ProgramRun) -> None:
    bucket = dev_run.one("aws:s3/bucket:Bucket").inputs
    assert bucket["bucket"] == f"vinyl-dev-uploads-{dev_run.account_id}-{dev_run.region}"
    assert len(bucket["bucket"]) <= 63
    assert dev_run.exports["bucketName"] == bucket["bucket"]


def test_bucket_blocks_all_public_access(dev_run: ProgramRun) -> None:
    block = dev_run.one("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock").inputs
    assert block["bucket"] == dev_run.exports["bucketName"]
    for setting in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"):
        assert block[setting] is True, setting
    ownership = dev_run.one("aws:s3/bucketOwnershipControls:BucketOwnershipControls").inputs
    assert ownership["rule"] == {"objectOwnership": "BucketOwnerEnforced"}


def test_bucket_is_encrypted_versioned_and_expires_old_versions(dev_run: ProgramRun) -> None:
    encryption = dev_run.one(
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
    ).inputs
    (rule,) = encryption["rules"]
    assert rule["applyServerSideEncryptionByDefault"]["sseAlgorithm"] in {"AES256", "aws:kms"}
    versioning = dev_run.one("aws:s3/bucketVersioning:BucketVersioning").inputs
    assert versioning["versioningConfiguration"] == {"status": "Enabled"}
    lifecycle = dev_run.one("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration").inputs
    (expire,) = lifecycle["rules"]
    assert expire["status"] == "Enabled"
    assert expire["noncurrentVersionExpiration"]["noncurrentDays"] == 30


def test_bucket_sends_its_events_to_eventbridge(dev_run: ProgramRun) -> None:
    notification = dev_run.one("aws:s3/bucketNotification:BucketNotification").inputs
    assert notification["eventbridge"] is True


def test_table_is_on_demand_with_pitr_sse_and_the_cores_keys(dev_run: ProgramRun) -> None:
    table = dev_run.one("aws:dynamodb/table:Table").inputs
    assert table["name"] == "vinyl-dev-albums"
    assert table["billingMode"] == "PAY_PER_REQUEST"
    assert table["pointInTimeRecovery"] == {"enabled": True}
    assert table["serverSideEncryption"]["enabled"] is True
    assert (table["hashKey"], table["rangeKey"]) == (keys.PARTITION_KEY, keys.SORT_KEY)
    assert {a["name"]: a["type"] for a in table["attributes"]} == {
        keys.PARTITION_KEY: "S",
        keys.SORT_KEY: "S",
        keys.GSI1_PARTITION_KEY: "S",
        keys.GSI1_SORT_KEY: "S",
    }
    (index,) = table["globalSecondaryIndexes"]
    assert index["name"] == keys.GSI1_NAME
    assert index["projectionType"] == "ALL"
    assert index["keySchemas"] == [
        {"attributeName": keys.GSI1_PARTITION_KEY, "keyType": "HASH"},
        {"attributeName": keys.GSI1_SORT_KEY, "keyType": "RANGE"},
    ]

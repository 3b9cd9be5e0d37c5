"""The S3 "Object Created" event, as EventBridge delivers it, built here for
the local stack's trigger and for tests (on AWS, S3 sends it)."""

from __future__ import annotations

from typing import Any


def object_created_event(*, bucket: str, key: str, version: str | None, size: int = 0) -> dict[str, Any]:
    """The event S3 sends to EventBridge for a new object."""
    detail_object: dict[str, Any] = {"key": key, "size": size, "etag": "0" * 32, "sequencer": "0"}
    if version:
        detail_object["version-id"] = version
    return {
        "version": "0",
        "id": f"{bucket}-{key}-{version}"[:100],
        "detail-type": "Object Created",
        "source": "aws.s3",
        "account": "123456789012",
        "time": "2026-01-01T00:00:00Z",
        "region": "us-east-1",
        "resources": [f"arn:aws:s3:::{bucket}"],
        "detail": {
            "version": "0",
            "bucket": {"name": bucket},
            "object": detail_object,
            "request-id": "local",
            "requester": "local",
            "source-ip-address": "127.0.0.1",
            "reason": "PutObject",
        },
    }

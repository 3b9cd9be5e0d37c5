"""The upload in the S3 "Object Created" event EventBridge delivers to both pipelines."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.parser import parse
from aws_lambda_powertools.utilities.parser.models import S3EventNotificationEventBridgeModel

from album_registry.domain.models import Upload


def upload_from_event(event: dict[str, Any]) -> Upload:
    """The uploaded object; the version (or sequencer) tells re-uploads apart."""
    notification = parse(event=event, model=S3EventNotificationEventBridgeModel)
    detail = notification.detail
    return Upload(
        bucket=detail.bucket.name,
        key=detail.object.key,
        version=detail.object.version_id or detail.object.sequencer,
    )


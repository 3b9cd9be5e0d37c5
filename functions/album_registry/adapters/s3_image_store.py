"""Reads uploaded shelf photos from S3."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from album_registry.domain.errors import ImageRejectedError

MAX_IMAGE_BYTES = 20 * 1024 * 1024


class S3ImageStore:
    def __init__(self, client: Any) -> None:
        self._client = client

    def read_image(self, *, bucket: str, key: str, version: str | None) -> bytes:
        request: dict[str, Any] = {"Bucket": bucket, "Key": key}
        if version and version != "null":
            request["VersionId"] = version
        try:
            response = self._client.get_object(**request)
        except ClientError as error:
            if error.response["Error"]["Code"] in ("NoSuchKey", "NoSuchVersion", "404"):
                raise ImageRejectedError(reason=f"s3://{bucket}/{key} does not exist") from error
            raise
        if response.get("ContentLength", 0) > MAX_IMAGE_BYTES:
            raise ImageRejectedError(
                reason=f"image is {response['ContentLength']} bytes, over the {MAX_IMAGE_BYTES} byte limit"
            )
        return response["Body"].read()

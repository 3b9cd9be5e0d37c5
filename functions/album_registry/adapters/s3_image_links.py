"""Short-lived GET links to uploaded photos: S3 presigned URLs."""

from __future__ import annotations

from typing import Any

from botocore.config import Config

IMAGE_LINK_SECONDS = 300
# SigV4 links: SigV2 presigning is refused by newer regions and buckets.
SIGV4 = Config(signature_version="s3v4")


class S3PresignedImageLinks:
    def __init__(self, client: Any, bucket: str, expires_seconds: int = IMAGE_LINK_SECONDS) -> None:
        self._client = client
        self._bucket = bucket
        self._expires = expires_seconds

    def link(self, key: str) -> str:
        return str(
            self._client.generate_presigned_url(
                "get_object", Params={"Bucket": self._bucket, "Key": key}, ExpiresIn=self._expires
            )
        )


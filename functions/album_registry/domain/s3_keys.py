"""Which S3 keys are shelf-photo uploads (seed property 3)."""

from __future__ import annotations

import unicodedata

from album_registry.domain.errors import InvalidS3KeyError

UPLOAD_PREFIX = "uploads/"
IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".webp")
MAX_KEY_BYTES = 1024


def validate_upload_key(key: object) -> str:
    """Return ``key`` when it names an upload; raise naming the broken rule."""
    if not isinstance(key, str):
        raise InvalidS3KeyError(key=repr(key), rule="key must be a string")
    if not key:
        raise InvalidS3KeyError(key=key, rule="key is empty")
    if len(key.encode("utf-8", errors="surrogatepass")) > MAX_KEY_BYTES:
        raise InvalidS3KeyError(key=key, rule=f"key is longer than {MAX_KEY_BYTES} bytes")
    try:
        key.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidS3KeyError(key=key, rule="key is not valid UTF-8") from None
    if any(unicodedata.category(char) == "Cc" for char in key):
        raise InvalidS3KeyError(key=key, rule="key contains control characters")
    if key.startswith("/"):
        raise InvalidS3KeyError(key=key, rule="key starts with '/'")
    if any(segment in (".", "..") for segment in key.split("/")):
        raise InvalidS3KeyError(key=key, rule="key contains a '.' or '..' segment")
    if not key.startswith(UPLOAD_PREFIX):
        raise InvalidS3KeyError(key=key, rule=f"key is not under {UPLOAD_PREFIX!r}")
    name = key[len(UPLOAD_PREFIX):].rsplit("/", 1)[-1]
    if not name.lower().endswith(IMAGE_EXTENSIONS) or name.lower() in IMAGE_EXTENSIONS:
        raise InvalidS3KeyError(
            key=key, rule=f"file name must end in one of {', '.join(IMAGE_EXTENSIONS)}"
        )
    return key

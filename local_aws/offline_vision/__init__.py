"""Offline vision: reads a shelf photo with OCR and the bundled album catalog.

Nothing is downloaded: the OCR models ship in the ``rapidocr_onnxruntime``
wheel and the catalog is a file in ``album_registry.catalog``.
"""

from __future__ import annotations

from local_aws.offline_vision.provider import OfflineVisionProvider
from local_aws.offline_vision.shelf_image import (
    MAX_IMAGE_BYTES,
    MAX_IMAGE_PIXELS,
    check_image_size,
    decode_shelf_image,
)

__all__ = ["MAX_IMAGE_BYTES", "MAX_IMAGE_PIXELS", "OfflineVisionProvider", "check_image_size", "decode_shelf_image"]

"""Checking and decoding an uploaded shelf photo before any vision work.

A file that is empty, too large, not an image, truncated or a decompression
bomb is rejected with a reason a person can act on, never passed to OCR.
"""

from __future__ import annotations

import io
import warnings

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from album_registry.domain.errors import ImageRejectedError

MAX_IMAGE_BYTES = 20 * 1024 * 1024
# A phone photo is 12-50 megapixels; the grid of six covers reads well at a
# fraction of that, and decoding more is how decompression bombs hurt.
MAX_IMAGE_PIXELS = 40_000_000


def check_image_size(size_in_bytes: int) -> None:
    if size_in_bytes == 0:
        raise ImageRejectedError(reason="the file is empty")
    if size_in_bytes > MAX_IMAGE_BYTES:
        raise ImageRejectedError(
            reason=f"the file is {size_in_bytes / 1024 / 1024:.1f} MB; the limit is {MAX_IMAGE_BYTES // 1024 // 1024} MB"
        )


def decode_shelf_image(data: bytes) -> np.ndarray:
    """The photo as an RGB array, upright as the camera saw it."""
    check_image_size(len(data))
    try:
        with warnings.catch_warnings():
            # Our own pixel limit below is stricter than Pillow's warning.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            width, height = image.size
            if width * height > MAX_IMAGE_PIXELS:
                raise ImageRejectedError(
                    reason=f"the image is {width}x{height} pixels; the limit is {MAX_IMAGE_PIXELS // 1_000_000} megapixels"
                )
            image.load()
            upright = ImageOps.exif_transpose(image)
    except UnidentifiedImageError:
        raise ImageRejectedError(reason="the file is not an image format that can be read") from None
    except Image.DecompressionBombError:
        raise ImageRejectedError(reason="the image declares too many pixels (decompression bomb)") from None
    except (OSError, SyntaxError, ValueError) as error:
        raise ImageRejectedError(reason=f"the image is truncated or corrupt ({error})") from None
    if min(upright.size) < 32:
        raise ImageRejectedError(reason=f"the image is only {upright.width}x{upright.height} pixels")
    return np.asarray(upright.convert("RGB"))

"""Synthetic shelf photos with a labelled truth file, for the demo and tests.

``generate_shelf_set`` renders N photos of six album covers each (famous
albums from the bundled catalog mixed with invented ones) and writes
``truth.json`` next to them in the format ``ShelfSetTruth`` describes.
"""

from __future__ import annotations

from albums.samples.shelf_photos import ShelfStyle, generate_shelf_set, render_shelf_photo
from albums.samples.truth import CoverTruth, ShelfPhotoTruth, ShelfSetTruth, read_truth

__all__ = [
    "CoverTruth",
    "ShelfPhotoTruth",
    "ShelfSetTruth",
    "ShelfStyle",
    "generate_shelf_set",
    "read_truth",
    "render_shelf_photo",
]

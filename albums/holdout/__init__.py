"""Holdout shelf photos: a second, independent generator for measuring the vision reader.

The photos of ``albums.samples`` come from the generator the offline reader
was developed against, so its score on them flatters it. This package renders
labelled shelf photos from its own list of famous albums, its own invented
names, its own fonts, cover art, surfaces and camera effects, written without
looking at that generator or at the reader; ``generate_holdout_set`` writes
them with a ``truth.json`` in the same format, for ``albums eval-vision``.
"""

from __future__ import annotations

from albums.holdout.canon_albums import Album, canon_albums, name_key
from albums.holdout.fonts import HoldoutFontsMissing
from albums.holdout.holdout_set import GENERATOR, STYLE, generate_holdout_set

__all__ = [
    "GENERATOR",
    "STYLE",
    "Album",
    "HoldoutFontsMissing",
    "canon_albums",
    "generate_holdout_set",
    "name_key",
]

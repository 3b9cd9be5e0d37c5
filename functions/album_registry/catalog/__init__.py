"""A bundled catalog of well-known albums, matched with rapidfuzz.

``albums.csv`` lists about a thousand albums (artist, title, year of original
release) drawn from the canon lists any record collector knows: Rolling
Stone's "500 Greatest Albums of All Time" (2003, 2012 and 2020 editions),
"1001 Albums You Must Hear Before You Die", and best-selling albums of each
decade. The rows were written from general knowledge of those lists, not
copied from them; years are the album's first release (not a reissue or the
recording date). A wrong year in it shows up to the person validating the
album, who can correct it.

The offline vision provider matches what OCR read on a cover against it, and
any vision provider can ask ``find`` for the canonical names and year.
"""

from __future__ import annotations

from album_registry.catalog.album_catalog import (
    CatalogAlbum,
    CoverMatch,
    FuzzyAlbumCatalog,
    load_album_catalog,
    normalize_text,
)

__all__ = ["CatalogAlbum", "CoverMatch", "FuzzyAlbumCatalog", "load_album_catalog", "normalize_text"]

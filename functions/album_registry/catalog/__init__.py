"""A bundled catalog of well-known albums, matched with rapidfuzz.

``albums.csv`` lists about 2,700 albums (artist, title, year of original
release) drawn from the canon lists any record collector knows: Rolling
Stone's "500 Greatest Albums of All Time" (2003, 2012 and 2020 editions) and
its greatest Latin albums, "1001 Albums You Must Hear Before You Die", the
jazz canon (Blue Note, Impulse!, Prestige, Columbia), the country and folk
canon, NME and Pitchfork decade lists, Grammy Album of the Year winners, the
best-selling albums of each decade worldwide, and the classics of each genre
and region: blues, soul, funk, reggae, punk and hardcore, metal, hip hop,
electronic, pop, and the music of Latin America, Spain, Brazil, France, Japan
and Africa. The rows were written from general knowledge of those lists, not
copied from them; years are the album's first release (not a reissue or the
recording date). A wrong year in it shows up to the person validating the
album, who can correct it. Rows are grouped by artist, albums in release
order, and artists loosely by genre and era.

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

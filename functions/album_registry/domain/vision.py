"""Turning whatever a vision provider saw into exactly six albums."""

from __future__ import annotations

from album_registry.constants import ALBUMS_PER_IMAGE
from album_registry.domain.errors import ImageRejectedError
from album_registry.domain.models import ExtractedAlbum
from album_registry.domain.ports import VisionProvider


def extract_albums(provider: VisionProvider, image: bytes) -> list[ExtractedAlbum]:
    """Six albums, ``albumIndex`` 1..6 in reading order.

    The provider returns covers with ``albumIndex`` giving their reading order.
    More than six: the six most confident are kept, still in reading order.
    Fewer: empty placeholders with confidence 0 fill the gaps, for a person to
    complete during validation. None at all: the photo is rejected, since
    there is nothing for anyone to validate.
    """
    seen = sorted(provider.read_covers(image), key=lambda album: album.albumIndex)
    if not any(album.artist.strip() or album.albumName.strip() for album in seen):
        raise ImageRejectedError(reason="no album cover could be read in the photo")
    return normalize_to_six(seen)


def normalize_to_six(covers_in_reading_order: list[ExtractedAlbum]) -> list[ExtractedAlbum]:
    ranked = sorted(
        range(len(covers_in_reading_order)),
        key=lambda position: -covers_in_reading_order[position].confidence,
    )
    kept = sorted(ranked[:ALBUMS_PER_IMAGE])
    albums = [
        covers_in_reading_order[position].model_copy(update={"albumIndex": index})
        for index, position in enumerate(kept, start=1)
    ]
    albums.extend(
        ExtractedAlbum(albumIndex=index)  # confidence 0, nothing read
        for index in range(len(albums) + 1, ALBUMS_PER_IMAGE + 1)
    )
    return albums

"""Offline price estimation: same album, same price, in both pipelines.

The estimate comes from facts about the album, never from chance: the era of
its original release sets a base price, an album the catalog knows sells for
more (and is estimated with more confidence), and a stable digest of the
album's identity spreads prices within ±15 % so that two different albums of
one era do not all cost the same.
"""

from __future__ import annotations

import hashlib
import unicodedata

from album_registry.domain.errors import PriceEstimationError
from album_registry.domain.models import Album, PriceEstimate
from album_registry.domain.ports import AlbumCatalog

OFFLINE_PRICE_SOURCE = "offline-model"

# Median used-LP prices in USD by decade of original release, rounded.
_ERA_BASE_PRICES = (
    (1959, 45.0),
    (1969, 38.0),
    (1979, 30.0),
    (1989, 22.0),
    (1999, 28.0),
    (2009, 26.0),
)
_RECENT_BASE_PRICE = 24.0
_UNKNOWN_YEAR_BASE_PRICE = 18.0
_CATALOG_DEMAND_FACTOR = 1.6
_SPREAD = 0.15


class OfflinePriceEstimator:
    def __init__(self, catalog: AlbumCatalog | None = None) -> None:
        self._catalog = catalog

    def estimate(self, album: Album) -> PriceEstimate:
        artist, title = album.artist.strip(), album.albumName.strip()
        if not artist or not title:
            raise PriceEstimationError(
                album_index=album.albumIndex, reason="artist and album name are both needed"
            )
        known = (
            self._catalog.find(artist=artist, album_name=title) if self._catalog else None
        )
        year = album.year if album.year is not None else (known.year if known else None)
        price = _base_price(year) * (_CATALOG_DEMAND_FACTOR if known else 1.0)
        price *= 1.0 + _SPREAD * _identity_spread(artist, title, year)
        confidence = 0.45 + (0.3 if known else 0.0) + (0.1 if year is not None else 0.0)
        return PriceEstimate(
            priceEstimate=round(price, 2),
            priceConfidence=round(confidence, 2),
            priceSource=OFFLINE_PRICE_SOURCE,
        )


def _base_price(year: int | None) -> float:
    if year is None:
        return _UNKNOWN_YEAR_BASE_PRICE
    for last_year, price in _ERA_BASE_PRICES:
        if year <= last_year:
            return price
    return _RECENT_BASE_PRICE


def _identity_spread(artist: str, title: str, year: int | None) -> float:
    """A number in [-1, 1] fixed by the album's identity."""
    identity = "|".join((_fold(artist), _fold(title), str(year)))
    # UTF-8 (the default): an album's names are valid Unicode, its model refuses lone surrogates.
    digest = hashlib.sha256(identity.encode()).digest()
    return int.from_bytes(digest[:4], "big") / 0xFFFFFFFF * 2.0 - 1.0


def _fold(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())

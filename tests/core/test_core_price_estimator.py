from __future__ import annotations

from dataclasses import dataclass

import pytest
from hypothesis import given
from hypothesis import strategies as st

from album_registry.domain.errors import PriceEstimationError
from album_registry.domain.models import Album
from album_registry.domain.price_estimator import OFFLINE_PRICE_SOURCE, OfflinePriceEstimator

names = st.text(min_size=1, max_size=40).filter(lambda s: s.strip())
albums = st.builds(
    Album,
    albumIndex=st.integers(1, 6),
    artist=names,
    albumName=names,
    year=st.none() | st.integers(1900, 2100),
)


@dataclass
class KnownAlbum:
    artist: str
    albumName: str
    year: int | None


class OneAlbumCatalog:
    def find(self, *, artist: str, album_name: str) -> KnownAlbum | None:
        if (artist, album_name) == ("Miles Davis", "Kind of Blue"):
            return KnownAlbum("Miles Davis", "Kind of Blue", 1959)
        return None


@given(albums)
def test_price_fields_are_present_and_in_range(album):
    """Property 22: every estimate has priceEstimate and priceConfidence."""
    estimate = OfflinePriceEstimator().estimate(album)
    assert estimate.priceEstimate > 0
    assert 0 < estimate.priceConfidence <= 1
    assert estimate.priceSource == OFFLINE_PRICE_SOURCE


@given(albums)
def test_same_album_same_price(album):
    """Property 30: estimation is deterministic, so both pipelines agree."""
    copy = Album.model_validate(album.model_dump())
    assert OfflinePriceEstimator().estimate(album) == OfflinePriceEstimator().estimate(copy)


def test_catalog_knowledge_raises_price_and_confidence():
    album = Album(albumIndex=1, artist="Miles Davis", albumName="Kind of Blue", year=1959)
    plain = OfflinePriceEstimator().estimate(album)
    known = OfflinePriceEstimator(OneAlbumCatalog()).estimate(album)
    assert known.priceEstimate > plain.priceEstimate
    assert known.priceConfidence > plain.priceConfidence


def test_older_records_are_worth_more_than_recent_ones_on_average():
    def mean_price(year: int) -> float:
        prices = [
            OfflinePriceEstimator().estimate(Album(albumIndex=1, artist=f"A{n}", albumName=f"T{n}", year=year)).priceEstimate
            for n in range(50)
        ]
        return sum(prices) / len(prices)

    assert mean_price(1962) > mean_price(1985)


@pytest.mark.parametrize(("artist", "title"), [("", "Abbey Road"), ("The Beatles", "  "), ("", "")])
def test_an_album_without_artist_or_title_cannot_be_priced(artist, title):
    with pytest.raises(PriceEstimationError, match="album 4"):
        OfflinePriceEstimator().estimate(Album(albumIndex=4, artist=artist, albumName=title))


@pytest.mark.parametrize(
    ("artist", "title", "year", "price"),
    [
        ("Miles Davis", "Kind of Blue", 1959, 50.26),  # last year of the first era, spread up
        ("Fleetwood Mac", "Rumours", 1977, 26.35),  # spread down
        ("Pink Floyd", "The Dark Side of the Moon", 1973, 28.02),
        ("Prince", "Purple Rain", 1984, 21.61),
        ("Nirvana", "Nevermind", 1991, 31.52),
        ("Daft Punk", "Discovery", 2001, 28.93),
        ("Unknown Band", "Basement Tapes", None, 19.75),
    ],
)
def test_prices_are_pinned(artist, title, year, price):
    """The model's exact output: era base, the album's stable spread (either sign), cents."""
    estimate = OfflinePriceEstimator().estimate(Album(albumIndex=1, artist=artist, albumName=title, year=year))
    assert estimate.priceEstimate == price
    assert estimate.priceConfidence == (0.55 if year is not None else 0.45)


def test_a_year_the_catalog_knows_stands_in_for_a_missing_one():
    catalog = OneAlbumCatalog()
    without_year = OfflinePriceEstimator(catalog).estimate(Album(albumIndex=1, artist="Miles Davis", albumName="Kind of Blue"))
    with_year = OfflinePriceEstimator(catalog).estimate(
        Album(albumIndex=1, artist="Miles Davis", albumName="Kind of Blue", year=1959)
    )
    assert without_year == with_year
    assert (with_year.priceEstimate, with_year.priceConfidence) == (80.42, 0.85)


def test_names_are_compared_folded():
    """Case, width and spacing do not move the price of an album the catalog does not know."""
    plain = OfflinePriceEstimator().estimate(Album(albumIndex=1, artist="Miles Davis", albumName="Kind of Blue", year=1959))
    folded = OfflinePriceEstimator().estimate(
        Album(albumIndex=1, artist="  MILES   davis ", albumName="Kind  of BLUE", year=1959)
    )
    assert folded == plain


@pytest.mark.parametrize(
    ("year", "base"),
    [(1900, 45.0), (1959, 45.0), (1960, 38.0), (1969, 38.0), (1970, 30.0), (1979, 30.0), (1980, 22.0),
     (1989, 22.0), (1990, 28.0), (1999, 28.0), (2000, 26.0), (2009, 26.0), (2010, 24.0), (2100, 24.0), (None, 18.0)],
)
def test_era_boundaries(year, base):
    from album_registry.domain.price_estimator import _base_price

    assert _base_price(year) == base


def test_an_album_without_a_name_is_refused_with_the_reason():
    with pytest.raises(PriceEstimationError) as raised:
        OfflinePriceEstimator().estimate(Album(albumIndex=5, artist="Nico", albumName="  "))
    assert (raised.value.album_index, raised.value.reason) == (5, "artist and album name are both needed")


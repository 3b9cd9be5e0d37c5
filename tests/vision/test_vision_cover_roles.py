"""Telling the artist from the title on covers the catalog does not know."""

from __future__ import annotations

import pytest

from album_registry.adapters.offline_vision.cover_grid import Box
from album_registry.adapters.offline_vision.cover_roles import CoverRoles
from album_registry.adapters.offline_vision.cover_text import split_artist_and_title
from album_registry.adapters.offline_vision.text_reading import TextLine
from album_registry.catalog import load_album_catalog

CATALOG = load_album_catalog()
ROLES = CoverRoles.from_catalog(CATALOG)


@pytest.mark.parametrize(
    ("artist", "title"),
    [
        ("Greta Lindholm", "Songs for a Long Winter"),
        ("The Harbour Lights Orchestra", "Live at the Corn Exchange"),
        ("Otto Varga", "Nights in the Old Town"),
        ("Jasper Quinn", "Volume 2"),
    ],
)
def test_a_title_printed_on_top_is_recognised(artist: str, title: str) -> None:
    assert not ROLES.artist_comes_first(title, artist)


@pytest.mark.parametrize(
    ("artist", "title"),
    [
        ("The Copper Foxes", "Slow Harbour"),
        ("The Velvet Pilots", "Summer Postcards"),
        ("Marla Fenwick", "Restless Mornings"),
        ("Greta Lindholm", "Songs for a Long Winter"),
    ],
)
def test_the_artist_printed_on_top_stays_the_artist(artist: str, title: str) -> None:
    # Most covers print the artist first: only clear evidence turns them round.
    assert ROLES.artist_comes_first(artist, title)


def test_names_lean_to_artists_and_sentences_to_titles() -> None:
    assert ROLES.artist_log_odds("Linda Martinez") > 0
    assert ROLES.artist_log_odds("Waiting for the Rain to Stop") < 0


def _line(text: str, top: float) -> TextLine:
    return TextLine.in_box(text=text, score=0.99, box=Box(left=10, top=top, right=200, bottom=top + 30))


def test_a_cover_with_the_title_on_top_is_read_the_right_way_round() -> None:
    lines = [_line("Nights in the", 10), _line("Old Town", 42), _line("Otto Varga", 110)]
    assert split_artist_and_title(lines, CATALOG, ROLES) == ("Otto Varga", "Nights in the Old Town")

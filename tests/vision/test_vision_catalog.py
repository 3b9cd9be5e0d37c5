"""The bundled catalog and its fuzzy matching of OCR-like text."""

from __future__ import annotations

import random

import pytest

from album_registry.catalog import CatalogAlbum, FuzzyAlbumCatalog, load_album_catalog, normalize_text
from albums.samples.invented_albums import invent_album

CATALOG = load_album_catalog()
# Letters OCR confuses on covers, as (printed, read).
_CONFUSIONS = (("o", "0"), ("O", "0"), ("l", "1"), ("I", "l"), ("S", "5"), ("e", "c"), ("rn", "m"))


def _ocr_like(album: CatalogAlbum, rng: random.Random) -> list[str]:
    """The cover's text as OCR might return it: capitals, a broken title, one slip."""
    artist, title = album.artist, album.albumName
    if rng.random() < 0.5:
        artist, title = artist.upper(), title.upper()
    artist = artist.replace(" & ", " and ") if rng.random() < 0.5 else artist
    words = title.split()
    title_lines = [" ".join(words[: len(words) // 2]), " ".join(words[len(words) // 2 :])] if len(words) > 3 else [title]
    lines = [artist, *title_lines]
    longest = max(range(len(lines)), key=lambda index: len(lines[index]))
    if len(lines[longest]) >= 8:
        printed, read = rng.choice(_CONFUSIONS)
        lines[longest] = lines[longest].replace(printed, read, 1)
    return [line for line in lines if line]


def test_catalog_holds_at_least_500_distinct_albums_with_plausible_years() -> None:
    albums = CATALOG.albums
    keys = {(normalize_text(album.artist), normalize_text(album.albumName)) for album in albums}
    assert len(albums) >= 500
    assert len(keys) == len(albums)
    assert all(1940 <= album.year <= 2025 for album in albums)


@pytest.mark.parametrize(
    ("printed", "normalized"),
    [
        ("Simon & Garfunkel", "simon and garfunkel"),
        ("BJÖRK", "bjork"),
        ("Sgt. Pepper's Lonely Hearts Club Band", "sgt peppers lonely hearts club band"),
        ("  Florence + the   Machine ", "florence and the machine"),
        ("Run-D.M.C.", "run dmc"),
        ("R. E. M.", "rem"),
        ("L.F. Rourke", "lf rourke"),
        ("M.W.Osei", "mw osei"),
        ("VOL.6", "vol 6"),
    ],
)
def test_normalize_text_ignores_case_accents_punctuation_and_ampersands(printed: str, normalized: str) -> None:
    assert normalize_text(printed) == normalized


def test_cover_text_with_ocr_noise_finds_the_album() -> None:
    rng = random.Random(3)
    sample = rng.sample(CATALOG.albums, 120)
    wrong = []
    for album in sample:
        lines = _ocr_like(album, rng)
        match = CATALOG.match_cover_text(lines)
        found = match.album if match else None
        if found is None or (normalize_text(found.artist), normalize_text(found.albumName)) != (
            normalize_text(album.artist),
            normalize_text(album.albumName),
        ):
            wrong.append((lines, found))
    assert len(wrong) <= 3, wrong


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (["PINK FL0YD", "THE DARK SIDE", "OF THE MOON"], ("Pink Floyd", "The Dark Side of the Moon", 1973)),
        (["LED ZEPPELIN", "LED ZEPPELIN II"], ("Led Zeppelin", "Led Zeppelin II", 1969)),
        (["Led Zeppelin", "Led Zeppelin"], ("Led Zeppelin", "Led Zeppelin", 1969)),
        (["THEKINKS", "ARTHUR(OR THE DECLINE AND FALL", "OF THE BRITISH EMPIRE)"], ("The Kinks", "Arthur (Or the Decline and Fall of the British Empire)", 1969)),
        (["ACDC", "BACKINBLACK"], ("AC/DC", "Back in Black", 1980)),
        # "II" read as "Il": lookalike letters must not pick "Use Your Illusion I".
        (["Guns N' Roses", "Use Your Illusion Il"], ("Guns N' Roses", "Use Your Illusion II", 1991)),
        (["SIMON AND GARFUNKEL", "BRIDGE OVER", "TROUBLED WATER"], ("Simon & Garfunkel", "Bridge over Troubled Water", 1970)),
    ],
)
def test_known_covers_match_with_canonical_names_and_year(lines: list[str], expected: tuple[str, str, int]) -> None:
    match = CATALOG.match_cover_text(lines)
    assert match is not None
    assert (match.album.artist, match.album.albumName, match.album.year) == expected


@pytest.mark.parametrize(
    "lines",
    [
        ["Joni Mitchell", "Blue Morning"],  # a known artist, an unknown title
        ["Marla Fenwick", "The Blue Hours"],
        ["The Velvet Foxes", "Slow Harbour"],
        [],
    ],
)
def test_text_of_unknown_albums_matches_nothing(lines: list[str]) -> None:
    assert CATALOG.match_cover_text(lines) is None


def test_invented_albums_are_never_taken_for_catalog_albums() -> None:
    rng = random.Random(11)
    for _ in range(150):
        artist, title = invent_album(rng, CATALOG)
        assert CATALOG.match_cover_text([artist.upper(), title]) is None


def test_find_tolerates_spelling_and_rejects_strangers() -> None:
    found = CATALOG.find(artist="the beatles", album_name="Sgt Peppers Lonely Heart Club Band")
    assert found is not None and found.year == 1967
    assert CATALOG.find(artist="Beatles", album_name="Abbey Road") == CatalogAlbum(
        artist="The Beatles", albumName="Abbey Road", year=1969
    )
    assert CATALOG.find(artist="Marla Fenwick", album_name="Abbey Road") is None
    assert CATALOG.find(artist="", album_name="") is None


def test_known_artist_returns_the_canonical_spelling() -> None:
    assert CATALOG.known_artist("BOB DYLAN") == "Bob Dylan"
    assert CATALOG.known_artist("Beatles") == "The Beatles"
    assert CATALOG.known_artist("Marla Fenwick") is None
    assert CATALOG.known_artist("JONI MITCHEL") == "Joni Mitchell"
    # Near a catalog artist is not enough, and an article alone is nobody.
    assert CATALOG.known_artist("Little Weather") is None
    assert CATALOG.known_artist("The") is None


def test_catalog_is_loaded_once_per_process() -> None:
    assert load_album_catalog() is load_album_catalog()


def test_known_title_names_the_one_album_with_that_title() -> None:
    catalog = load_album_catalog()
    album = catalog.known_title("SYNCHRONICITY")
    assert album is not None and (album.artist, album.year) == ("The Police", 1983)
    # One slip in eight letters is forgiven, as for artists.
    misread = catalog.known_title("SYNCHR0NICITY")
    assert misread is not None and misread.artist == "The Police"


def test_known_title_refuses_shared_short_and_unknown_titles() -> None:
    catalog = FuzzyAlbumCatalog(
        [
            CatalogAlbum(artist="Led Zeppelin", albumName="IV", year=1971),
            CatalogAlbum(artist="Peter Gabriel", albumName="Peter Gabriel", year=1977),
            CatalogAlbum(artist="Weezer", albumName="Weezer", year=1994),
            CatalogAlbum(artist="Peter Gabriel", albumName="Melt", year=1980),
            CatalogAlbum(artist="Another Act", albumName="Melt", year=2001),
        ]
    )
    assert catalog.known_title("IV") is None
    assert catalog.known_title("Melt") is None
    assert catalog.known_title("Tidewater Mornings") is None
    weezer = catalog.known_title("weezer")
    assert weezer is not None and weezer.year == 1994


@pytest.mark.parametrize(
    ("artist", "title", "credit"),
    [
        ("Prince", "Purple Rain", "Prince and the Revolution"),
        ("PRINCE", "PARADE", "Prince and the Revolution"),
        ("Bob Marley", "Natty Dread", "Bob Marley & the Wailers"),
    ],
)
def test_a_lead_name_finds_the_credit_when_the_title_matches(artist: str, title: str, credit: str) -> None:
    """A cover printing the leader alone gets the catalog's full credit, and the year."""
    found = CATALOG.find(artist=artist, album_name=title)
    assert found is not None and found.artist == credit
    matched = CATALOG.match_cover_text([artist, title])
    assert matched is not None and matched.album == found


def test_a_lead_name_alone_never_takes_another_title() -> None:
    assert CATALOG.find(artist="Prince", album_name="Natty Dread") is None
    assert CATALOG.find(artist="Bob Marley", album_name="Purple Rain") is None
    matched = CATALOG.match_cover_text(["PRINCE", "MIDNIGHT GARDENS"])
    assert matched is None

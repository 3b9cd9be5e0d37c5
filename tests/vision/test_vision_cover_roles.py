"""Telling the artist from the title on covers the catalog does not know."""

from __future__ import annotations

import random
import zlib

import numpy as np
import pytest

from local_aws.offline_vision.cover_grid import Box
from local_aws.offline_vision.cover_roles import _CALIBRATION, CoverRoles, separate_act_prefix
from local_aws.offline_vision.cover_text import read_cover, split_artist_and_title
from local_aws.offline_vision.text_reading import TextLine
from album_registry.catalog import load_album_catalog
from albums.samples.invented_albums import invent_album

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


@pytest.mark.parametrize(
    ("artist", "title"),
    [
        ("The Brannock Sextet", "Harvest"),
        ("Fenwick Ensemble", "Tidewater"),
        ("DJ Orrinel", "Moonstone"),
        ("MC Talvessa", "Lanterns"),
        ("Brenna & the Tin Kestrels", "Cinnamon"),
    ],
)
def test_an_act_named_by_convention_is_the_artist_even_printed_below(artist: str, title: str) -> None:
    assert not ROLES.artist_comes_first(title, artist)


@pytest.mark.parametrize(
    ("artist", "title"),
    [
        ("Brenna Solvay", "Thistles & Lanterns"),
        ("Orla Venn", "Pebbles & Smoke"),
    ],
)
def test_a_title_of_everyday_nouns_above_a_name_is_recognised(artist: str, title: str) -> None:
    assert not ROLES.artist_comes_first(title, artist)


def test_dictionary_words_lean_to_titles_and_unknown_words_to_names() -> None:
    # Webster's knows "thistle" (and so "thistles"); "Orrinel" is no word at all.
    assert ROLES.artist_log_odds("Thistles") < ROLES.artist_log_odds("Orrinel")


@pytest.mark.parametrize(
    ("read", "meant"),
    [
        ("DJORRINEL", "DJ ORRINEL"),
        ("MCTalvessa", "MC Talvessa"),
        ("MCCARTNEY", "MCCARTNEY"),
        ("DJANGO", "DJANGO"),
        ("DJ", "DJ"),
        ("Songs for DJORRINEL", "Songs for DJ ORRINEL"),
    ],
)
def test_dj_and_mc_are_set_apart_only_from_names_that_are_no_english_word(read: str, meant: str) -> None:
    assert separate_act_prefix(read) == meant


def test_a_split_never_leaves_a_phrase_hanging() -> None:
    # The widest gap follows "& the", but no name ends on "the".
    lines = [_line("Brenna Solvay & the", 10), _line("Paper Kestrels", 80), _line("Cinnamon", 112)]
    assert split_artist_and_title(lines, CATALOG, ROLES) == ("Brenna Solvay & the Paper Kestrels", "Cinnamon")


def test_a_cover_showing_only_a_famous_title_is_that_album() -> None:
    reading = read_cover([_line("SYNCHRONICITY", 40)], CATALOG, ROLES)
    assert (reading.artist, reading.albumName, reading.year) == ("The Police", "Synchronicity", 1983)
    # The artist was not read but inferred, so the reading is flagged as less sure.
    assert reading.confidence < 0.99


def test_a_cover_showing_only_an_unknown_title_keeps_it_as_printed() -> None:
    reading = read_cover([_line("Tidewater Mornings", 40)], CATALOG, ROLES)
    assert (reading.artist, reading.albumName, reading.year) == ("Tidewater Mornings", "", None)


def _platt_factor(score_sets: list[np.ndarray]) -> float:
    """The scale of log odds that best predicts the truth, each set weighing the same."""
    factors = np.arange(0.05, 2.0, 0.01)
    # Every score is log odds for the true orientation, so the truth is always "yes".
    fit = [sum(float(np.mean(-np.logaddexp(0.0, -factor * scores))) for scores in score_sets) for factor in factors]
    return float(factors[int(np.argmax(fit))])


def test_the_calibration_factor_is_the_one_pairs_the_model_has_not_seen_give() -> None:
    pairs = [(album.artist, album.albumName) for album in CATALOG.albums if album.artist != album.albumName]
    folds = 5
    held_out = []
    for fold in range(folds):
        model = CoverRoles(pair for pair in pairs if zlib.crc32(pair[0].encode()) % folds != fold)
        held_out += [
            model.artist_log_odds(artist) - model.artist_log_odds(title)
            for artist, title in pairs
            if zlib.crc32(artist.encode()) % folds == fold
        ]
    rng = random.Random(1)
    invented = [
        ROLES.artist_log_odds(artist) - ROLES.artist_log_odds(title)
        for artist, title in (invent_album(rng, CATALOG) for _ in range(300))
    ]
    assert _platt_factor([np.array(held_out), np.array(invented)]) == pytest.approx(_CALIBRATION, abs=0.05)

"""Misread letters put right only where the recogniser hesitated."""

from __future__ import annotations

import math

import numpy as np
import pytest

from local_aws.offline_vision.lexicon import Lexicon
from local_aws.offline_vision.word_spelling import ctc_log_probability, respelled

ALPHABET = ["blank", *"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", " "]
SYMBOLS = {character: column for column, character in enumerate(ALPHABET)}
BLANKS = (0, len(ALPHABET) - 1)
LEXICON = Lexicon(extra_words=["Hejira"])


def _frames(reading: str, doubts: dict[int, tuple[str, float]] | None = None) -> np.ndarray:
    """A blank, then each letter of ``reading`` and a blank after it.

    ``doubts[k] = (other, p)`` gives letter k's frame probability ``p`` for
    ``other``, the rest staying with the letter read.
    """
    rows = [np.full(len(ALPHABET), 1e-4)]
    rows[0][0] = 0.99
    for position, letter in enumerate(reading):
        frame = np.full(len(ALPHABET), 1e-4)
        other, share = (doubts or {}).get(position, (None, 0.0))
        frame[ALPHABET.index(letter)] = 0.99 - share
        if other is not None:
            frame[ALPHABET.index(other)] = share
        gap = np.full(len(ALPHABET), 1e-4)
        gap[0] = 0.99
        rows += [frame, gap]
    return np.stack(rows)


def _respelled(reading: str, frames: np.ndarray) -> str:
    return respelled(reading, frames, SYMBOLS, blank_columns=BLANKS, lexicon=LEXICON)


@pytest.mark.parametrize(
    ("reading", "doubts", "expected"),
    [
        # The recogniser half-saw the right letter: the common word wins.
        ("Lanterm", {6: ("n", 0.3)}, "Lantern"),
        ("SIGMALS", {3: ("N", 0.2)}, "SIGNALS"),
        # A digit among letters is a letter misread.
        ("Ro0m", {2: ("o", 0.3)}, "Room"),
        # Read with confidence, a name the word list does not know stays as printed...
        ("MARQUENNE", {}, "MARQUENNE"),
        ("Halvane", {}, "Halvane"),
        # ...and so do listed words, catalog words included.
        ("Casimir", {}, "Casimir"),
        ("Hejira", {}, "Hejira"),
        # Short words and numbers are left alone.
        ("Xyz", {}, "Xyz"),
        ("1999", {}, "1999"),
    ],
)
def test_only_doubted_letters_are_respelled(reading: str, doubts: dict[int, tuple[str, float]], expected: str) -> None:
    assert _respelled(reading, _frames(reading, doubts)) == expected


@pytest.mark.parametrize(
    ("reading", "doubts", "expected"),
    [
        # A number run into a word with a letter misread as a digit: both come apart.
        ("Ro0m31", {2: ("o", 0.3)}, "Room 31"),
        ("90RCHARDS", {1: ("O", 0.3)}, "9 ORCHARDS"),
        # Read with confidence, a name and its number stay as printed.
        ("Qx7", {}, "Qx7"),
    ],
)
def test_a_word_and_a_number_read_as_one_are_set_apart(
    reading: str, doubts: dict[int, tuple[str, float]], expected: str
) -> None:
    assert _respelled(reading, _frames(reading, doubts)) == expected


def test_ctc_probability_sums_every_alignment() -> None:
    # Two frames, one label "A": paths A-A, A-blank, blank-A.
    alphabet_a = ALPHABET.index("A")
    frames = np.full((2, len(ALPHABET)), 0.0)
    frames[0, [0, alphabet_a]] = (0.4, 0.6)
    frames[1, [0, alphabet_a]] = (0.3, 0.7)
    expected = 0.6 * 0.7 + 0.6 * 0.3 + 0.4 * 0.7
    assert ctc_log_probability(frames, [alphabet_a], blank_columns=(0,)) == pytest.approx(math.log10(expected))
    # A repeated label needs a blank between its two emissions: impossible in two frames.
    assert ctc_log_probability(frames, [alphabet_a, alphabet_a], blank_columns=(0,)) < -20

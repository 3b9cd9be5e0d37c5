"""Uncertain word breaks settled by English word frequencies."""

from __future__ import annotations

import pytest

from local_aws.offline_vision.lexicon import Lexicon
from local_aws.offline_vision.word_breaks import split_words

ENGLISH = Lexicon()


def _breaks(letters: str, **at: float) -> list[float]:
    """No space anywhere but at the given positions (``b3=0.1``: before letter 3)."""
    breaks = [0.0] * (len(letters) - 1)
    for name, probability in at.items():
        breaks[int(name[1:]) - 1] = probability
    return breaks


@pytest.mark.parametrize(
    ("letters", "breaks", "words"),
    [
        ("THELUNAR", {"b3": 0.08}, ["THE", "LUNAR"]),
        ("MIREILLEFENWICK", {"b8": 0.02}, ["MIREILLE", "FENWICK"]),
        ("SALTLAKE", {"b4": 0.01}, ["SALT", "LAKE"]),
        ("Wandering", {"b6": 0.05}, ["Wandering"]),
        ("HORIZONS", {"b4": 0.1}, ["HORIZONS"]),
        # A name the word list has never seen does not fall apart on weak evidence.
        ("Oyelaran", {"b3": 0.01}, ["Oyelaran"]),
        # Below the floor the recogniser has ruled the break out.
        ("THELUNAR", {"b3": 0.001}, ["THELUNAR"]),
        ("A", {}, ["A"]),
        ("", {}, []),
    ],
)
def test_the_likeliest_words_win(letters: str, breaks: dict[str, float], words: list[str]) -> None:
    assert split_words(letters, _breaks(letters, **breaks) if letters else [], ENGLISH) == words


def test_unlisted_strings_are_rarer_the_longer_they_are() -> None:
    assert ENGLISH.log_probability("zqxv") > ENGLISH.log_probability("zqxvzqxv")
    assert ENGLISH.log_probability("lantern") > ENGLISH.log_probability("lanterm")


def test_break_probabilities_must_fit_the_letters() -> None:
    with pytest.raises(ValueError, match="4 letters need 3 break probabilities, not 1"):
        split_words("ABCD", [0.1], ENGLISH)

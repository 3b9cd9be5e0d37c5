"""Misread letters put right where the recogniser itself hesitated.

A word that is rare in English ("Lanterm", "Sigmals", "lron") is either a
rare name read right or a common word read wrong. Each listed word within two
edits is a candidate; the recogniser's frames say how likely each candidate
is to have produced them (the CTC probability, summed over every alignment),
the word list how likely the word is. The best product wins, so a candidate
needs letters the recogniser found plausible: a name it read with confidence
keeps its spelling.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

from local_aws.offline_vision.lexicon import Lexicon

_MAX_EDITS = 2
_MAX_CANDIDATES = 60
_MIN_LETTERS = 4
# A candidate must explain the frames nearly as well as the reading itself:
# at most this much less likely (log10) in the recogniser's own eyes. Without
# it the word list talks confident readings of rare names into common words.
_MAX_RECOGNITION_LOSS = 2.0
_TINY = 1e-30


def ctc_log_probability(frames: np.ndarray, labels: Sequence[int], *, blank_columns: Sequence[int]) -> float:
    """log10 P(labels | frames) under CTC, any of ``blank_columns`` acting as blank.

    ``frames`` holds one probability distribution per frame. The forward
    recursion runs over the labels with a blank between each pair.
    """
    blank = frames[:, list(blank_columns)].sum(axis=1)
    states = len(labels) * 2 + 1
    emit = np.empty((len(frames), states))
    emit[:, 0::2] = blank[:, None]
    emit[:, 1::2] = frames[:, list(labels)]
    emit = np.log(np.maximum(emit, _TINY))
    # A label may skip the blank before it unless it repeats the label before.
    can_skip = np.zeros(states, bool)
    for position in range(1, len(labels)):
        can_skip[2 * position + 1] = labels[position] != labels[position - 1]
    alpha = np.full(states, -np.inf)
    alpha[0] = emit[0, 0]
    if states > 1:
        alpha[1] = emit[0, 1]
    for frame in range(1, len(frames)):
        stay = alpha
        step = np.concatenate([[-np.inf], alpha[:-1]])
        skip = np.where(can_skip, np.concatenate([[-np.inf, -np.inf], alpha[:-2]]), -np.inf)
        alpha = np.logaddexp(np.logaddexp(stay, step), skip) + emit[frame]
    total = np.logaddexp(alpha[-1], alpha[-2]) if states > 1 else alpha[-1]
    return float(total / math.log(10))


def _casings(candidate: str, reading: str) -> set[str]:
    """The candidate cased as the reading is, and as a name or in capitals.

    A capital I read as a small l ("lron") is only put right as "Iron".
    """
    if reading.isupper():
        like_reading = candidate.upper()
    elif reading[:1].isupper():
        like_reading = candidate.capitalize()
    else:
        like_reading = candidate
    return {like_reading, candidate.capitalize(), candidate.upper()}


def respelled(
    reading: str, frames: np.ndarray, symbols: Mapping[str, int], *, blank_columns: Sequence[int], lexicon: Lexicon
) -> str:
    """``reading``, or the listed word that better explains its ``frames``.

    ``symbols`` gives each character's column in ``frames``. Words of letters
    are respelled from four letters on; a digit among letters ("Ro0m", "N0")
    is a misreading whatever the length.
    """
    mixed = not reading.isalpha() and any(character.isalpha() for character in reading)
    if not mixed and (not reading.isalpha() or len(reading) < _MIN_LETTERS or lexicon.is_common(reading)):
        return reading

    def recognition(word: str) -> float:
        return ctc_log_probability(frames, [symbols[letter] for letter in word], blank_columns=blank_columns)

    reading_recognition = recognition(reading)
    floor = reading_recognition - _MAX_RECOGNITION_LOSS
    best, best_score = reading, reading_recognition + lexicon.log_probability(reading)
    for number, letters, number_first in _number_splits(reading) if mixed else [("", reading, False)]:
        for candidate in lexicon.neighbours(letters, max_edits=_MAX_EDITS, limit=_MAX_CANDIDATES):
            for cased in _casings(candidate, letters):
                if not all(letter in symbols for letter in cased):
                    continue
                # The space between a word and its number is no label: CTC counts it as blank.
                candidate_recognition = recognition(number + cased if number_first else cased + number)
                if candidate_recognition < floor:
                    continue
                candidate_score = candidate_recognition + lexicon.log_probability(cased)
                if number:
                    candidate_score += lexicon.log_probability(number)
                if candidate_score > best_score:
                    best, best_score = " ".join([number, cased] if number_first else [cased, number]).strip(), candidate_score
    return best


def _number_splits(reading: str) -> list[tuple[str, str, bool]]:
    """Ways to read ``reading`` as a number and a word run together: (number, word, number first).

    "Ro0m31" may be "Room" and "31", "90RCHARDS" "9" and "ORCHARDS"; the
    whole reading as one word stays a way too.
    """
    splits = [("", reading, False)]
    for cut in range(1, len(reading)):
        head, tail = reading[:cut], reading[cut:]
        if head.isdigit() and sum(character.isalpha() for character in tail) >= _MIN_LETTERS - 1:
            splits.append((head, tail, True))
        if tail.isdigit() and sum(character.isalpha() for character in head) >= _MIN_LETTERS - 1:
            splits.append((tail, head, False))
    return splits

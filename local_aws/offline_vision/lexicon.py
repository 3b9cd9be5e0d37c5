"""How likely a word is on a record cover.

English word frequencies come from ``wordfreq`` (Wikipedia, subtitles,
books, news and the web; its English list knows common first and family
names too). The words of the album catalog count as at least moderately
common, so "Hejira" or "Reggatta" are words here, not misreadings.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein
from wordfreq import top_n_list, zipf_frequency

from album_registry.catalog import FuzzyAlbumCatalog, normalize_text

_ZIPF_PER_BILLION = 9.0
# A catalog word is taken to be as common as a word seen once per million.
_CATALOG_WORD_ZIPF = 3.0
# Words outside the list (rare names, invented bands) are taken to be this
# share of the words on covers, spelled letter by letter at random: a
# string the list does not know is less likely the longer it is.
_UNLISTED_SHARE = 0.01
_LETTERS = 26
_VOCABULARY_SIZE = 200_000
_COMMON_ZIPF = 2.0
_WORD = re.compile(r"[^\W\d_]+")


class Lexicon:
    """Word probabilities and spelling neighbours for reading covers."""

    def __init__(self, extra_words: Iterable[str] = ()) -> None:
        self._extra = {folded for word in extra_words if (folded := normalize_text(word))}
        english = (word for word in top_n_list("en", _VOCABULARY_SIZE) if word.isalpha())
        self._vocabulary = tuple(dict.fromkeys([*english, *sorted(self._extra)]))
        self._log_probabilities: dict[str, float] = {}

    @classmethod
    def for_catalog(cls, catalog: FuzzyAlbumCatalog) -> Lexicon:
        return cls(word for album in catalog.albums for word in _WORD.findall(f"{album.artist} {album.albumName}"))

    def _zipf(self, word: str) -> float:
        zipf = zipf_frequency(word, "en")
        return max(zipf, _CATALOG_WORD_ZIPF) if normalize_text(word) in self._extra else zipf

    def is_common(self, word: str) -> bool:
        """Seen at least once per ten million words (the web's misspellings are rarer)."""
        return self._zipf(word) >= _COMMON_ZIPF

    def log_probability(self, word: str) -> float:
        """log10 of the probability of ``word`` as one word on a cover."""
        if word not in self._log_probabilities:
            zipf = self._zipf(word)
            listed = 10 ** (zipf - _ZIPF_PER_BILLION) if zipf > 0 else 0.0
            unlisted = _UNLISTED_SHARE * _LETTERS ** -len(word)
            self._log_probabilities[word] = math.log10(listed + unlisted)
        return self._log_probabilities[word]

    def neighbours(self, word: str, *, max_edits: int, limit: int) -> list[str]:
        """Listed words, lower case, at most ``max_edits`` letters away, nearest first."""
        found = process.extract(word.casefold(), self._vocabulary, scorer=Levenshtein.distance, score_cutoff=max_edits, limit=limit)
        return [candidate for candidate, _, _ in found]

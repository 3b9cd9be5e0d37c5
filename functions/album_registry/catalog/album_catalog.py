"""Fuzzy lookup of albums in the bundled catalog.

Text from OCR is noisy: letters confused (0/O, 1/l), words run together or
split, upper case, a title broken over two lines, ``&`` printed for ``and``.
Both sides are normalised the same way and compared without spaces over word
windows, so a needle ("the dark side of the moon") is found in the text of a
cover wherever its words are, whatever the line breaks.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Sequence
from functools import cache
from typing import NamedTuple
from importlib import resources

import numpy as np
from pydantic import BaseModel, ConfigDict, Field
from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

_CATALOG_FILE = "albums.csv"

# Letters NFKD does not decompose into a base letter plus an accent.
_TRANSLITERATION = str.maketrans({"æ": "ae", "ø": "o", "ß": "ss", "đ": "d", "ł": "l", "œ": "oe"})
_APOSTROPHES = re.compile(r"['’`´]")
_NOT_ALPHANUMERIC = re.compile(r"[^0-9a-z]+")
# Two or more single letters each followed by a dot: "r.e.m.", "d.m.c", "l. f.".
_INITIALS = re.compile(r"(?<![0-9a-z])[a-z](?:\. ?[a-z](?![0-9a-z]))+\.?")
# Glyphs a recogniser mistakes for each other, above all in capitals.
_LOOKALIKES = str.maketrans({"l": "i", "1": "i", "0": "o"})

# A quick partial match on the whole text decides which albums are worth the
# word-window comparison; correct albums score far above this even with OCR
# errors.
_PREFILTER_CUTOFF = 55.0
# A cover is that album only if both its artist and its title are found...
_MIN_PART_SCORE = 78.0
# ...and together they explain most of the cover's letters.
_MIN_EXPLAINED_SHARE = 0.75
_OVERLAP_PENALTY = 0.05
_WINDOWS_KEPT = 6
_MIN_FIND_SCORE = 85.0
_MIN_TITLE_LETTERS = 4
_LETTERS_PER_SLIP = 8
_ARTICLES = frozenset({"the", "a", "an"})
# A credit naming a leader and a backing band ("prince and the revolution",
# "bob marley and the wailers" once normalised): many covers print the
# leader's name alone, so the lead name also stands for the credit.
_BACKED_CREDIT = re.compile(r"^(?P<lead>.+?) and (?:the|his|her) \S.*$")


class CatalogAlbum(BaseModel):
    """One row of the catalog; satisfies the core's ``CatalogMatch``."""

    model_config = ConfigDict(frozen=True)

    artist: str
    albumName: str
    year: int = Field(ge=1900, le=2100)


class CoverMatch(BaseModel):
    """The catalog album a cover's text matches best, with scores 0..100."""

    model_config = ConfigDict(frozen=True)

    album: CatalogAlbum
    score: float
    artistScore: float
    titleScore: float


def normalize_text(text: str) -> str:
    """Lower case ASCII words: accents dropped, ``&``/``+`` spelled ``and``, initials run together.

    "R.E.M.", "REM" and "R. E. M." all become "rem", as OCR reads them all.
    """
    text = unicodedata.normalize("NFKD", text.casefold().translate(_TRANSLITERATION))
    text = "".join(character for character in text if not unicodedata.combining(character))
    text = text.replace("&", " and ").replace("+", " and ")
    text = _APOSTROPHES.sub("", text)
    text = _INITIALS.sub(lambda initials: initials.group().replace(".", "").replace(" ", "") + " ", text)
    return " ".join(_NOT_ALPHANUMERIC.sub(" ", text).split())


def _match_form(text: str) -> str:
    """``normalize_text`` with the letters OCR confuses folded together.

    Used on both sides of every comparison, so "Illusion Il" read off a cover
    meets "Illusion II" in the catalog; what is returned keeps its spelling.
    """
    return normalize_text(text).translate(_LOOKALIKES)


def _without_article(normalized: str) -> str:
    return normalized[4:] if normalized.startswith("the ") and len(normalized) > 4 else normalized


def _lead_name(artist: str) -> str:
    """The leader of a backed credit, or the credit itself: "prince and the revolution" → "prince"."""
    backed = _BACKED_CREDIT.match(artist)
    return backed.group("lead") if backed else artist


class _Window(NamedTuple):
    """Words ``start``..``end`` (exclusive) of a text, and how well they match."""

    start: int
    end: int
    score: float


def _matching_windows(needle: str, text_words: Sequence[str]) -> list[_Window]:
    """Runs of consecutive words that spell ``needle``, best first.

    The needle and each run are compared without spaces, so "darkside" matches
    "dark side" and "pink floyd" matches "pinkfloyd".
    """
    needle_words = needle.split()
    if not needle_words or not text_words:
        return []
    compact_needle = "".join(needle_words)
    count = len(needle_words)
    windows = []
    for size in range(max(1, count - 2), min(len(text_words), count + 2) + 1):
        for start in range(len(text_words) - size + 1):
            window = "".join(text_words[start : start + size])
            # "THEKINKS": OCR ran the article into the name.
            score = max(fuzz.ratio(compact_needle, window), fuzz.ratio(compact_needle, window.removeprefix("the")))
            if score >= _MIN_PART_SCORE:
                windows.append(_Window(start, start + size, score))
    return sorted(windows, key=lambda window: -window.score)


def _explained_share(text_words: Sequence[str], windows: Sequence[_Window]) -> float:
    """Share of the text's letters (articles aside) inside the given windows."""
    covered = {position for window in windows for position in range(window.start, window.end)}
    lengths = [0 if word == "the" else len(word) for word in text_words]
    total = sum(lengths)
    return sum(lengths[position] for position in covered) / total if total else 0.0


def _overlap(first: _Window, second: _Window) -> bool:
    return first.start < second.end and second.start < first.end


class FuzzyAlbumCatalog:
    """The catalog in memory, with the two lookups the vision step needs."""

    def __init__(self, albums: Sequence[CatalogAlbum]) -> None:
        self._albums = list(albums)
        self._titles = [_match_form(album.albumName) for album in self._albums]
        self._artists = [_without_article(_match_form(album.artist)) for album in self._albums]
        self._compact_titles = [title.replace(" ", "") for title in self._titles]
        self._compact_artists = [artist.replace(" ", "") for artist in self._artists]
        self._leads = [_lead_name(artist) for artist in self._artists]
        self._compact_leads = [lead.replace(" ", "") for lead in self._leads]
        # One canonical spelling per normalised artist, for artist-only lookups.
        self._artist_names: dict[str, str] = {}
        for album, artist in zip(self._albums, self._artists, strict=True):
            self._artist_names.setdefault(artist, album.artist)

    def __len__(self) -> int:
        return len(self._albums)

    @property
    def albums(self) -> list[CatalogAlbum]:
        return list(self._albums)

    def find(self, *, artist: str, album_name: str) -> CatalogAlbum | None:
        """The album with this artist and title, allowing small spelling slips.

        The artist may be the credit's lead name alone ("Prince" for "Prince
        and the Revolution"); what is returned carries the catalog's credit.
        """
        title = _match_form(album_name).replace(" ", "")
        wanted_artist = _without_article(_match_form(artist)).replace(" ", "")
        if not title or not wanted_artist:
            return None
        title_scores = process.cdist([title], self._compact_titles, scorer=fuzz.ratio)[0]
        artist_scores = np.maximum(
            process.cdist([wanted_artist], self._compact_artists, scorer=fuzz.ratio)[0],
            process.cdist([wanted_artist], self._compact_leads, scorer=fuzz.ratio)[0],
        )
        combined = np.minimum(title_scores, artist_scores)
        best = int(np.argmax(combined))
        return self._albums[best] if combined[best] >= _MIN_FIND_SCORE else None

    def match_cover_text(self, lines: Sequence[str]) -> CoverMatch | None:
        """The album whose artist and title both appear in a cover's text lines."""
        text = _match_form(" ".join(lines))
        if not text:
            return None
        words = text.split()
        compact_text = text.replace(" ", "")
        title_prefilter = process.cdist([compact_text], self._compact_titles, scorer=fuzz.partial_ratio)[0]
        artist_prefilter = np.maximum(
            process.cdist([compact_text], self._compact_artists, scorer=fuzz.partial_ratio)[0],
            process.cdist([compact_text], self._compact_leads, scorer=fuzz.partial_ratio)[0],
        )
        candidates = np.flatnonzero(np.minimum(title_prefilter, artist_prefilter) >= _PREFILTER_CUTOFF)
        best: CoverMatch | None = None
        for position in candidates:
            match = self._score_cover(int(position), words)
            if match is not None and (best is None or match.score > best.score):
                best = match
        return best

    def _score_cover(self, position: int, words: Sequence[str]) -> CoverMatch | None:
        """Artist and title found in separate places, explaining most of the text.

        Self-titled albums print the same words twice; the two windows may
        overlap only when the name is printed once. Text left unexplained (an
        unknown title by a known artist, say) lowers the score.
        """
        artist_windows = _matching_windows(self._artists[position], words)
        if self._leads[position] != self._artists[position]:
            artist_windows += _matching_windows(self._leads[position], words)
        artist_windows = sorted(artist_windows, key=lambda window: -window.score)[:_WINDOWS_KEPT]
        title_windows = _matching_windows(self._titles[position], words)[:_WINDOWS_KEPT]
        best: CoverMatch | None = None
        for artist_window in artist_windows:
            for title_window in title_windows:
                explained = _explained_share(words, [artist_window, title_window])
                if _overlap(artist_window, title_window):
                    explained -= _OVERLAP_PENALTY
                if explained < _MIN_EXPLAINED_SHARE:
                    continue
                weakest = min(artist_window.score, title_window.score)
                score = 0.6 * weakest + 40.0 * explained
                if best is None or score > best.score:
                    best = CoverMatch(
                        album=self._albums[position],
                        score=score,
                        artistScore=artist_window.score,
                        titleScore=title_window.score,
                    )
        return best

    def known_title(self, text: str) -> CatalogAlbum | None:
        """The one catalog album with the title this text spells, if only one has it.

        For a cover whose artist could not be read at all: "SYNCHRONICITY"
        alone is The Police's. The same slips are allowed as for artists; a
        title several albums share, or one shorter than four letters, names none.
        """
        wanted = _match_form(text).replace(" ", "")
        if len(wanted) < _MIN_TITLE_LETTERS:
            return None
        found = process.extract(
            wanted,
            self._compact_titles,
            scorer=Levenshtein.distance,
            score_cutoff=len(wanted) // _LETTERS_PER_SLIP,
            limit=None,
        )
        albums = {(self._albums[position].artist, self._albums[position].albumName): position for _, _, position in found}
        return self._albums[next(iter(albums.values()))] if len(albums) == 1 else None

    def known_artist(self, text: str) -> str | None:
        """The canonical name of a catalog artist this text spells, if any.

        One slip is allowed in every eight letters: "JONI MITCHEL" is Joni
        Mitchell, "Little Weather" is not Little Walter. A lone article names
        no band, not even The The.
        """
        normalized = _match_form(text)
        wanted = _without_article(normalized).replace(" ", "")
        if not wanted or normalized in _ARTICLES:
            return None
        found = process.extractOne(
            wanted,
            {name: name.replace(" ", "") for name in self._artist_names},
            scorer=Levenshtein.distance,
            score_cutoff=len(wanted) // _LETTERS_PER_SLIP,
        )
        return self._artist_names[found[2]] if found else None


@cache
def load_album_catalog() -> FuzzyAlbumCatalog:
    """The bundled catalog, read once per process."""
    source = resources.files("album_registry.catalog").joinpath(_CATALOG_FILE)
    with source.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return FuzzyAlbumCatalog(
        [CatalogAlbum(artist=row["artist"], albumName=row["title"], year=int(row["year"])) for row in rows]
    )

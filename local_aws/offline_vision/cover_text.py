"""From the lines read on one cover to an album: catalog match or best split.

A cover in the catalog gets canonical names and the year, and so does one
on which only a title was read that a single catalog album has. Any other
cover keeps what is printed: its lines are split into artist and title where
the typography changes most - a jump in letter size, a wider gap, a switch
between capitals and mixed case - but never inside a phrase ("Margit & the /
Orchard Keepers"); the role model then says which part is the artist, unless
one part spells an artist the catalog knows, which then decides.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, replace

from local_aws.offline_vision.cover_grid import Box
from local_aws.offline_vision.cover_roles import CoverRoles, separate_act_prefix
from local_aws.offline_vision.text_reading import TextLine
from album_registry.catalog import FuzzyAlbumCatalog, normalize_text

# Confidence of an album read but not found in the catalog: OCR can be
# trusted letter by letter, not in where the artist ends and the title starts.
_UNMATCHED_CONFIDENCE_SHARE = 0.6
_KNOWN_ARTIST_WEIGHT = 3.0
_CASE_CHANGE_WEIGHT = 0.7
_SIZE_CHANGE_WEIGHT = 3.0
# Box heights of one font size vary this much (log ratio) with ascenders,
# descenders and detection slack; only a larger change means another font.
_SIZE_NOISE = 0.12
# A line ending on an article or "and", or a line starting on "and", is the
# middle of a phrase ("Margit & the / Orchard Keepers"). Prepositions can end
# a title ("Songs to Dance By"), so they do not count.
_PHRASE_ENDS_NOT_ON = frozenset({"a", "an", "and", "the"})
_PHRASE_STARTS_NOT_ON = frozenset({"and"})


@dataclass(frozen=True)
class CoverReading:
    artist: str
    albumName: str
    year: int | None
    confidence: float


def merge_rows(lines: Sequence[TextLine]) -> list[TextLine]:
    """Lines top to bottom; pieces side by side on one row joined left to right."""
    rows: list[list[TextLine]] = []
    for line in sorted(lines, key=lambda line: line.box.top):
        row = rows[-1] if rows else None
        if row is not None:
            top = max(row[-1].box.top, line.box.top)
            bottom = min(row[-1].box.bottom, line.box.bottom)
            if bottom - top > 0.5 * min(row[-1].height, line.height):
                row.append(line)
                continue
        rows.append([line])
    merged = []
    for row in rows:
        pieces = sorted(row, key=lambda line: line.box.left)
        merged.append(
            TextLine.in_box(
                text=" ".join(piece.text for piece in pieces),
                score=min(piece.score for piece in pieces),
                box=Box(
                    left=min(piece.box.left for piece in pieces),
                    top=min(piece.box.top for piece in pieces),
                    right=max(piece.box.right for piece in pieces),
                    bottom=max(piece.box.bottom for piece in pieces),
                ),
            )
        )
    return merged


def _is_capitals(text: str) -> bool:
    letters = [character for character in text if character.isalpha()]
    return bool(letters) and all(character.isupper() for character in letters)


def _splits_a_phrase(above: str, below: str) -> bool:
    """Whether a phrase runs on from the line ``above`` into the line ``below``."""
    above_words, below_words = normalize_text(above).split(), normalize_text(below).split()
    return bool(above_words and above_words[-1] in _PHRASE_ENDS_NOT_ON) or bool(
        below_words and below_words[0] in _PHRASE_STARTS_NOT_ON
    )


def _break_strength(above: TextLine, below: TextLine, typical_height: float) -> float:
    """How much the typography changes between two consecutive lines."""
    size_change = max(0.0, abs(math.log(max(below.height, 1.0) / max(above.height, 1.0))) - _SIZE_NOISE)
    gap = max(0.0, below.box.top - above.box.bottom) / typical_height
    case_change = _CASE_CHANGE_WEIGHT if _is_capitals(above.text) != _is_capitals(below.text) else 0.0
    return _SIZE_CHANGE_WEIGHT * size_change + gap + case_change


def split_artist_and_title(lines: Sequence[TextLine], catalog: FuzzyAlbumCatalog, roles: CoverRoles) -> tuple[str, str]:
    """Best guess at (artist, title) for text the catalog does not know."""
    texts = [line.text for line in lines]
    if not texts:
        return "", ""
    if len(texts) == 1:
        return texts[0], ""
    typical_height = statistics.median(line.height for line in lines)
    splits = [split for split in range(1, len(texts)) if not _splits_a_phrase(texts[split - 1], texts[split])]
    splits = splits or list(range(1, len(texts)))
    best: tuple[float, str, str] | None = None
    for split in splits:
        upper, lower = " ".join(texts[:split]), " ".join(texts[split:])
        strength = _break_strength(lines[split - 1], lines[split], typical_height)
        candidates = [(strength, upper, lower) if roles.artist_comes_first(upper, lower) else (strength, lower, upper)]
        artist_above = catalog.known_artist(upper)
        if artist_above is not None:
            candidates.append((strength + _KNOWN_ARTIST_WEIGHT, artist_above, lower))
        artist_below = catalog.known_artist(lower)
        if artist_below is not None:
            candidates.append((strength + _KNOWN_ARTIST_WEIGHT, artist_below, upper))
        for candidate in candidates:
            if best is None or candidate[0] > best[0]:
                best = candidate
    assert best is not None
    return best[1], best[2]


def level(lines: Sequence[TextLine]) -> list[TextLine]:
    """The lines of one cover turned so that its text runs level.

    A cover lies a few degrees off square; turned back, its lines' boxes stop
    overlapping and their heights and gaps measure the type again.
    """
    if not lines:
        return []
    tilt = statistics.median(line.angle for line in lines)
    centre = (
        statistics.fmean(line.box.centre[0] for line in lines),
        statistics.fmean(line.box.centre[1] for line in lines),
    )
    return [line.turned(-tilt, about=centre) for line in lines]


def read_cover(lines: Sequence[TextLine], catalog: FuzzyAlbumCatalog, roles: CoverRoles) -> CoverReading:
    rows = [replace(row, text=separate_act_prefix(row.text)) for row in merge_rows(level(lines))]
    if not rows:
        return CoverReading(artist="", albumName="", year=None, confidence=0.0)
    reading_score = statistics.fmean(row.score for row in rows)
    match = catalog.match_cover_text([row.text for row in rows])
    if match is not None:
        return CoverReading(
            artist=match.album.artist,
            albumName=match.album.albumName,
            year=match.album.year,
            confidence=round(min(match.score / 100.0, reading_score), 3),
        )
    album = catalog.known_title(rows[0].text) if len(rows) == 1 else None
    if album is not None:
        # Only the title could be read: the artist is the catalog's word, to be checked.
        return CoverReading(
            artist=album.artist,
            albumName=album.albumName,
            year=album.year,
            confidence=round(_UNMATCHED_CONFIDENCE_SHARE * reading_score, 3),
        )
    artist, title = split_artist_and_title(rows, catalog, roles)
    return CoverReading(
        artist=artist[:200],
        albumName=title[:200],
        year=None,
        confidence=round(_UNMATCHED_CONFIDENCE_SHARE * reading_score, 3),
    )

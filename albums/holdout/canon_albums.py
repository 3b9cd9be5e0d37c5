"""The famous albums the holdout photos show, kept apart from the project's catalog.

``canon_albums.csv`` (artist, title, year of original release) was written
from the well-known canon lists without looking at the catalog the vision
reader was tuned on, so that a photo set drawn from it measures the reader on
albums it was not built around. ``Album`` is what one cover shows, whether
the album is from this list or invented.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib import resources

CANON_CSV = "canon_albums.csv"


@dataclass(frozen=True)
class Album:
    """What is printed on one cover; ``year`` is known only for famous albums."""

    artist: str
    title: str
    year: int | None
    famous: bool


def name_key(text: str) -> str:
    """A name as the evaluation compares it: no case, accents, punctuation, ``&`` is ``and``."""
    decomposed = unicodedata.normalize("NFKD", text.replace("&", " and "))
    letters = "".join(char for char in decomposed if not unicodedata.combining(char)).casefold()
    return " ".join("".join(char if char.isalnum() else " " for char in letters).split())


@cache
def canon_albums() -> tuple[Album, ...]:
    text = resources.files(__package__).joinpath(CANON_CSV).read_text(encoding="utf-8")
    return tuple(
        Album(artist=row["artist"], title=row["title"], year=int(row["year"]), famous=True)
        for row in csv.DictReader(io.StringIO(text))
    )


@cache
def canon_name_keys() -> frozenset[str]:
    """Every canon artist and every canon title, as ``name_key`` spells them."""
    return frozenset(name_key(name) for album in canon_albums() for name in (album.artist, album.title))

"""Measuring a vision provider against a labelled set of shelf photos.

An album counts as read right when artist and title both equal the truth
after ``normalize_text`` (case, accents, punctuation and ``&``/``and`` do not
matter; every letter and every word does). Time includes building the
provider, so the OCR model load is counted.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel

from album_registry.catalog import normalize_text
from album_registry.domain.models import ExtractedAlbum
from album_registry.domain.ports import VisionProvider
from album_registry.domain.vision import extract_albums
from albums.samples.truth import CoverTruth, read_truth


class CoverMiss(BaseModel):
    file: str
    albumIndex: int
    expected: str
    got: str


class VisionEvaluation(BaseModel):
    images: int
    covers: int
    alwaysSix: bool
    namesRight: int
    famousCovers: int
    famousNamesRight: int
    famousYearsRight: int
    unknownCovers: int
    unknownNamesRight: int
    secondsPerImage: float
    secondsPerImageAfterLoad: float
    misses: list[CoverMiss]

    @property
    def name_accuracy(self) -> float:
        return self.namesRight / self.covers if self.covers else 0.0

    @property
    def famous_year_accuracy(self) -> float:
        return self.famousYearsRight / self.famousCovers if self.famousCovers else 0.0


def _names_right(truth: CoverTruth, album: ExtractedAlbum) -> bool:
    return normalize_text(truth.artist) == normalize_text(album.artist) and normalize_text(
        truth.albumName
    ) == normalize_text(album.albumName)


def _describe(artist: str, title: str, year: int | None) -> str:
    return f"{artist} - {title} ({year if year is not None else 'year unknown'})"


def evaluate_vision(build_provider: Callable[[], VisionProvider], directory: Path) -> VisionEvaluation:
    truth = read_truth(directory)
    started = time.perf_counter()
    provider = build_provider()
    loaded = time.perf_counter()
    always_six = True
    names_right = famous = famous_names = famous_years = unknown = unknown_names = 0
    misses: list[CoverMiss] = []
    for photo in truth.images:
        albums = extract_albums(provider, (directory / photo.file).read_bytes())
        always_six = always_six and len(albums) == 6
        for expected, album in zip(photo.albums, albums, strict=False):
            right = _names_right(expected, album)
            names_right += right
            if expected.famous:
                famous += 1
                famous_names += right
                famous_years += album.year == expected.year
            else:
                unknown += 1
                unknown_names += right
            if not right or (expected.famous and album.year != expected.year):
                misses.append(
                    CoverMiss(
                        file=photo.file,
                        albumIndex=expected.albumIndex,
                        expected=_describe(expected.artist, expected.albumName, expected.year),
                        got=_describe(album.artist, album.albumName, album.year),
                    )
                )
    finished = time.perf_counter()
    count = max(1, len(truth.images))
    return VisionEvaluation(
        images=len(truth.images),
        covers=sum(len(photo.albums) for photo in truth.images),
        alwaysSix=always_six,
        namesRight=names_right,
        famousCovers=famous,
        famousNamesRight=famous_names,
        famousYearsRight=famous_years,
        unknownCovers=unknown,
        unknownNamesRight=unknown_names,
        secondsPerImage=(finished - started) / count,
        secondsPerImageAfterLoad=(finished - loaded) / count,
        misses=misses,
    )

"""The truth file written next to a set of shelf photos (``truth.json``)."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

TRUTH_FILE_NAME = "truth.json"


class _Truth(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CoverTruth(_Truth):
    """What is printed on one cover; ``famous`` marks albums from the catalog."""

    albumIndex: int = Field(ge=1, le=6)
    artist: str
    albumName: str
    year: int | None = None
    famous: bool


class ShelfPhotoTruth(_Truth):
    file: str
    layout: str = Field(description="columns x rows, e.g. 3x2")
    albums: list[CoverTruth]


class ShelfSetTruth(_Truth):
    generator: str
    seed: int
    style: str
    images: list[ShelfPhotoTruth]


def read_truth(directory: Path) -> ShelfSetTruth:
    return ShelfSetTruth.model_validate_json((directory / TRUTH_FILE_NAME).read_text(encoding="utf-8"))

"""Shared, expensive fixtures of the vision tests: built once per session."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from local_aws.offline_vision import OfflineVisionProvider
from album_registry.domain.models import ExtractedAlbum
from album_registry.domain.vision import extract_albums
from albums.samples import ShelfPhotoTruth, ShelfStyle, generate_shelf_set


@dataclass(frozen=True)
class ReadPhoto:
    path: Path
    truth: ShelfPhotoTruth
    albums: list[ExtractedAlbum]


@pytest.fixture(scope="session")
def offline_provider() -> OfflineVisionProvider:
    return OfflineVisionProvider()


@pytest.fixture(scope="session")
def shelf_sets(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Two photos in each style, with seeds nothing else in the project uses."""
    directories = []
    for style, seed in ((ShelfStyle.DEFAULT, 9001), (ShelfStyle.ALTERNATE, 9002)):
        directory = tmp_path_factory.mktemp(f"shelves-{style}")
        generate_shelf_set(directory, count=2, seed=seed, style=style)
        directories.append(directory)
    return directories


@pytest.fixture(scope="session")
def read_photos(shelf_sets: list[Path], offline_provider: OfflineVisionProvider) -> list[ReadPhoto]:
    """Every generated photo read once by the offline provider."""
    from albums.samples import read_truth

    photos = []
    for directory in shelf_sets:
        for truth in read_truth(directory).images:
            path = directory / truth.file
            photos.append(ReadPhoto(path=path, truth=truth, albums=extract_albums(offline_provider, path.read_bytes())))
    return photos

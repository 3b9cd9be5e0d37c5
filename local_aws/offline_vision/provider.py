"""The offline vision provider: OCR, the cover grid and the bundled catalog."""

from __future__ import annotations

import cv2
import numpy as np

from local_aws.offline_vision.cover_grid import Box, find_cover_grid
from local_aws.offline_vision.cover_roles import CoverRoles
from local_aws.offline_vision.cover_text import read_cover
from local_aws.offline_vision.shelf_image import decode_shelf_image
from local_aws.offline_vision.text_reading import TextLine, ocr_engine, read_text_lines
from album_registry.catalog import FuzzyAlbumCatalog, load_album_catalog
from album_registry.domain.models import CoverBox, ExtractedAlbum

# Six covers read well at this size; larger photos only cost OCR time.
_WORKING_MAX_SIDE = 1600


def _working_copy(rgb: np.ndarray) -> np.ndarray:
    height, width = rgb.shape[:2]
    scale = _WORKING_MAX_SIDE / max(height, width)
    if scale >= 1.0:
        return rgb
    return cv2.resize(rgb, (round(width * scale), round(height * scale)), interpolation=cv2.INTER_AREA)


def _fractions(cell: Box, *, width: int, height: int) -> CoverBox:
    """The cell as (left, top, width, height), fractions of the photo."""
    left, top = max(0.0, cell.left / width), max(0.0, cell.top / height)
    right, bottom = min(1.0, cell.right / width), min(1.0, cell.bottom / height)
    return (round(left, 4), round(top, 4), round(right - left, 4), round(bottom - top, 4))


class OfflineVisionProvider:
    """Reads six covers with no network: everything it needs is installed.

    Returns exactly one album per grid cell, in reading order; a cell with no
    readable text gives an empty album with confidence 0 for a person to fill.
    """

    name = "offline"

    def __init__(self, catalog: FuzzyAlbumCatalog | None = None) -> None:
        self._catalog = catalog if catalog is not None else load_album_catalog()
        self._roles = CoverRoles.from_catalog(self._catalog)
        # Loaded now, so a Lambda pays for it during init rather than the first call.
        ocr_engine()

    def read_covers(self, image: bytes) -> list[ExtractedAlbum]:
        rgb = _working_copy(decode_shelf_image(image))
        lines = read_text_lines(cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
        grid = find_cover_grid(rgb, [line.box for line in lines])
        lines_per_cell: list[list[TextLine]] = [[] for _ in grid.cells]
        for line in lines:
            cell = grid.cell_index(*line.box.centre)
            if cell is not None:
                lines_per_cell[cell].append(line)
        height, width = rgb.shape[:2]
        albums = []
        for index, (cell, cell_lines) in enumerate(zip(grid.cells, lines_per_cell, strict=True), start=1):
            reading = read_cover(cell_lines, self._catalog, self._roles)
            albums.append(
                ExtractedAlbum(
                    albumIndex=index,
                    artist=reading.artist,
                    albumName=reading.albumName,
                    year=reading.year,
                    confidence=reading.confidence,
                    coverBox=_fractions(cell, width=width, height=height),
                )
            )
        return albums

"""Where the six covers are: a 3×2 or 2×3 grid found in the photo itself.

No pixel positions are assumed. The background is what a flood fill from the
photo's border reaches while neighbouring pixels stay alike (solid walls,
gradients, wood grain and shadows all qualify; a cover's edge stops it). The
covers' union, widened to hold every line of text read, gives the grid's
extent; its shape says 3×2 (wider) or 2×3 (taller); each cut between columns
or rows goes through the emptiest line near where an even grid puts it, so
unequal gaps, touching covers, a cover the fill leaked into or an empty slot
all still give six cells.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

_WORKING_SIDE = 512
_FILL_TOLERANCE = 4
_SEED_SPACING = 12
# Components smaller than this share of the photo are specks, not covers.
_MIN_COMPONENT_SHARE = 0.004
# A cut is searched this share of a cell's size either side of the even split.
# Covers are squares of one size, so uneven gaps move a cut only a little;
# further out, a strong edge is a cover's own artwork (stripes, a band).
_CUT_SEARCH_SHARE = 0.2
# What a cut costs: the share of covers it crosses, plus a lot for crossing a
# line of text, minus a little where brightness changes (a cover's edge).
_TEXT_CROSSING_COST = 2.0
_EDGE_REWARD = 0.3
_CUT_COST_SLACK = 0.03


@dataclass(frozen=True)
class Box:
    left: float
    top: float
    right: float
    bottom: float

    @property
    def centre(self) -> tuple[float, float]:
        return ((self.left + self.right) / 2, (self.top + self.bottom) / 2)

    def contains(self, x: float, y: float) -> bool:
        return self.left <= x < self.right and self.top <= y < self.bottom


@dataclass(frozen=True)
class CoverGrid:
    columns: int
    rows: int
    cells: tuple[Box, ...]  # reading order: left to right, top to bottom

    @property
    def layout(self) -> str:
        return f"{self.columns}x{self.rows}"

    def cell_index(self, x: float, y: float) -> int | None:
        for index, cell in enumerate(self.cells):
            if cell.contains(x, y):
                return index
        return None


def _background_mask(small: np.ndarray) -> np.ndarray:
    """True where a flood fill from the border spreads through alike pixels."""
    height, width = small.shape[:2]
    # A median filter removes sensor noise and grain but keeps covers' edges sharp.
    blurred = cv2.medianBlur(small, 5)
    mask = np.zeros((height + 2, width + 2), np.uint8)
    tolerance = (_FILL_TOLERANCE,) * 3
    flags = 4 | cv2.FLOODFILL_MASK_ONLY | (255 << 8)
    border = [(x, 0) for x in range(0, width, _SEED_SPACING)]
    border += [(x, height - 1) for x in range(0, width, _SEED_SPACING)]
    border += [(0, y) for y in range(0, height, _SEED_SPACING)]
    border += [(width - 1, y) for y in range(0, height, _SEED_SPACING)]
    for x, y in border:
        if not mask[y + 1, x + 1]:
            cv2.floodFill(blurred, mask, (x, y), (0, 0, 0), tolerance, tolerance, flags)
    return mask[1:-1, 1:-1] > 0


def _foreground_extent(foreground: np.ndarray) -> tuple[int, int, int, int] | None:
    """Bounding box (x0, y0, x1, y1) of the cover-sized foreground components."""
    count, _, stats, _ = cv2.connectedComponentsWithStats(foreground.astype(np.uint8), connectivity=8)
    min_area = _MIN_COMPONENT_SHARE * foreground.size
    boxes = [
        (x, y, x + w, y + h)
        for x, y, w, h, area in stats[1:count]
        if area >= min_area
    ]
    if not boxes:
        return None
    return (
        min(box[0] for box in boxes),
        min(box[1] for box in boxes),
        max(box[2] for box in boxes),
        max(box[3] for box in boxes),
    )


def _crossing(spans: Sequence[tuple[float, float]], length: int) -> np.ndarray:
    """1 where a line at that position would cut through text, else 0."""
    crossing = np.zeros(length, np.float32)
    for low, high in spans:
        # A sliver at each end of a box is slack, not text.
        margin = 0.15 * (high - low)
        crossing[max(0, int(np.ceil(low + margin))) : max(0, int(high - margin))] = 1.0
    return crossing


def _edge_strength(gray: np.ndarray, *, per_column: bool) -> np.ndarray:
    """Mean brightness change across each column (or row): high on covers' edges."""
    if per_column:
        profile = np.abs(np.diff(gray.astype(np.float32), axis=1)).mean(axis=0)
    else:
        profile = np.abs(np.diff(gray.astype(np.float32), axis=0)).mean(axis=1)
    profile = np.concatenate([profile, profile[-1:]])
    return profile / profile.max() if profile.max() > 0 else profile


def _cuts(cost: np.ndarray, parts: int) -> list[float]:
    """Positions splitting a line of ``len(cost)`` into ``parts`` at cheap places.

    Each cut is searched near where an even split puts it; among the cheapest
    positions there, the middle of the run closest to the even split wins.
    """
    length = len(cost)
    smoothed = np.convolve(cost, np.ones(3) / 3, mode="same")
    cuts = [0.0]
    for part in range(1, parts):
        expected = part * length / parts
        reach = _CUT_SEARCH_SHARE * length / parts
        low, high = max(1, int(expected - reach)), min(length - 1, int(expected + reach) + 1)
        window = smoothed[low:high]
        cheapest = window.min()
        candidates = np.flatnonzero(window <= cheapest + _CUT_COST_SLACK) + low
        runs = np.split(candidates, np.flatnonzero(np.diff(candidates) > 1) + 1)
        best_run = min(runs, key=lambda run: abs((run[0] + run[-1]) / 2 - expected))
        cuts.append(float(best_run[0] + best_run[-1]) / 2)
    cuts.append(float(length))
    return cuts


def find_cover_grid(rgb: np.ndarray, text_boxes: Sequence[Box] = ()) -> CoverGrid:
    """Six cells in reading order, in the photo's pixel coordinates."""
    height, width = rgb.shape[:2]
    scale = min(1.0, _WORKING_SIDE / max(height, width))
    small = cv2.resize(rgb, (max(1, round(width * scale)), max(1, round(height * scale))), interpolation=cv2.INTER_AREA)
    foreground = ~_background_mask(small)
    foreground = cv2.morphologyEx(foreground.astype(np.uint8), cv2.MORPH_OPEN, np.ones((3, 3), np.uint8)) > 0
    extent = _foreground_extent(foreground)
    x0, y0, x1, y1 = extent if extent else (0, 0, small.shape[1], small.shape[0])
    # Text lies on covers: a cover the fill leaked into still counts.
    for box in text_boxes:
        x0, y0 = min(x0, int(box.left * scale)), min(y0, int(box.top * scale))
        x1, y1 = max(x1, int(np.ceil(box.right * scale))), max(y1, int(np.ceil(box.bottom * scale)))
    x0, y0 = max(0, x0), max(0, y0)
    x1, y1 = min(small.shape[1], x1), min(small.shape[0], y1)
    columns, rows = (3, 2) if (x1 - x0) >= (y1 - y0) else (2, 3)
    region = foreground[y0:y1, x0:x1].astype(np.float32)
    gray = cv2.cvtColor(small[y0:y1, x0:x1], cv2.COLOR_RGB2GRAY)
    scaled_boxes = [
        Box(left=box.left * scale - x0, top=box.top * scale - y0, right=box.right * scale - x0, bottom=box.bottom * scale - y0)
        for box in text_boxes
    ]
    column_cost = (
        region.mean(axis=0)
        + _TEXT_CROSSING_COST * _crossing([(box.left, box.right) for box in scaled_boxes], x1 - x0)
        - _EDGE_REWARD * _edge_strength(gray, per_column=True)
    )
    row_cost = (
        region.mean(axis=1)
        + _TEXT_CROSSING_COST * _crossing([(box.top, box.bottom) for box in scaled_boxes], y1 - y0)
        - _EDGE_REWARD * _edge_strength(gray, per_column=False)
    )
    column_cuts = [x0 + cut for cut in _cuts(column_cost, columns)]
    row_cuts = [y0 + cut for cut in _cuts(row_cost, rows)]
    cells = tuple(
        Box(
            left=column_cuts[column] / scale,
            top=row_cuts[row] / scale,
            right=column_cuts[column + 1] / scale,
            bottom=row_cuts[row + 1] / scale,
        )
        for row in range(rows)
        for column in range(columns)
    )
    return CoverGrid(columns=columns, rows=rows, cells=cells)

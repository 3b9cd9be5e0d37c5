"""One shelf photo: six covers in a 3x2 or 2x3 grid on a surface, clean or photographed.

Sizes run from about 900 to 3000 px on the long side. Gaps between covers go
from touching (0-3 px) through tight and normal to wide, or are uneven; each
cover sits a little off its grid place and turns up to 4 degrees, never so far
that it covers a neighbour's text. Shadows fall under the covers. A clean
photo is the flat arrangement, as a scanner or a copy stand would give it; a
photo-like one goes through ``camera.photograph``.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from albums.holdout.camera import BLEED, photograph
from albums.holdout.canon_albums import Album
from albums.holdout.cover_art import paint_cover_art
from albums.holdout.palettes import random_palette
from albums.holdout.surfaces import draw_surface
from albums.holdout.typography import letter_cover

LONG_SIDE = (900, 3000)
SHADOW_SCALE = 4
"""Shadows are blurred at this fraction of the photo's size: soft anyway, and much faster."""


@dataclass(frozen=True)
class ShelfPhoto:
    image: Image.Image
    layout: str
    quality: int


@dataclass(frozen=True)
class _Placement:
    """Where one cover lands: its centre, turn in degrees, and side in pixels."""

    centre: tuple[float, float]
    angle: float
    side: int

    def corners(self) -> list[tuple[float, float]]:
        half = self.side / 2
        turn = math.radians(-self.angle)
        cos, sin = math.cos(turn), math.sin(turn)
        x, y = self.centre
        offsets = ((-half, -half), (half, -half), (half, half), (-half, half))
        return [(x + dx * cos - dy * sin, y + dx * sin + dy * cos) for dx, dy in offsets]


GAP_SHARES = {"touching": (0.0, 0.0), "tight": (0.01, 0.04), "normal": (0.04, 0.1), "wide": (0.12, 0.3)}
"""Gaps between covers as shares of the cover side; touching covers are 0-3 px apart."""


def _gap_shares(count: int, style: str, rng: random.Random) -> list[float]:
    """``count`` gaps of one style, nearly even; or uneven ones anywhere from 0 to 20 %."""
    if style == "uneven":
        return [rng.uniform(0.0, 0.2) for _ in range(count)]
    base = rng.uniform(*GAP_SHARES[style])
    return [base * rng.uniform(0.9, 1.1) for _ in range(count)]


def _gap_pixels(shares: list[float], side: int, style: str, rng: random.Random) -> list[float]:
    return [float(rng.randint(0, 3)) if style == "touching" else share * side for share in shares]


def _edges(side: int, margin: float, gaps: list[float]) -> list[float]:
    """Left (or top) edge of each cover along one axis, from the frame's edge."""
    return [margin + index * side + sum(gaps[:index]) for index in range(len(gaps) + 1)]


def _plan(rng: random.Random, photo_like: bool) -> tuple[int, int, list[_Placement], int, int]:
    """Grid, frame size and where each cover goes, in reading order."""
    columns, rows = (3, 2) if rng.random() < 0.5 else (2, 3)
    style = rng.choice(("touching", "tight", "normal", "normal", "wide", "uneven"))
    margins = [rng.uniform(0.07, 0.3 if photo_like else 0.2) for _ in range(2)]
    column_shares, row_shares = _gap_shares(columns - 1, style, rng), _gap_shares(rows - 1, style, rng)
    along = column_shares if columns > rows else row_shares
    side = round(rng.randint(*LONG_SIDE) / (max(columns, rows) + 2 * margins[columns < rows] + sum(along)))
    column_gaps = _gap_pixels(column_shares, side, style, rng)
    row_gaps = _gap_pixels(row_shares, side, style, rng)
    lefts, tops = _edges(side, margins[0] * side, column_gaps), _edges(side, margins[1] * side, row_gaps)
    width, height = round(lefts[-1] + side * (1 + margins[0])), round(tops[-1] + side * (1 + margins[1]))
    room = min(column_gaps + row_gaps) / 2 + 0.015 * side
    jitter = min(0.02 * side, 0.4 * room)
    turn = min(math.degrees(math.asin(min(1.0, 2 * (room - jitter) / side))), 4.0 if photo_like else 1.2)
    if not photo_like and rng.random() < 0.4:
        turn = jitter = 0.0
    placements = [
        _Placement(
            centre=(left + side / 2 + rng.uniform(-jitter, jitter), top + side / 2 + rng.uniform(-jitter, jitter)),
            angle=rng.uniform(-turn, turn),
            side=side,
        )
        for top in tops
        for left in lefts
    ]
    return columns, rows, placements, width, height


def _cast_shadows(
    scene: Image.Image, placements: list[_Placement], rng: random.Random, *, photo_like: bool
) -> Image.Image:
    side = placements[0].side
    direction = rng.uniform(0, 2 * math.pi)
    reach = side * rng.uniform(0.01, 0.035)
    strength = rng.uniform(0.25, 0.55) if photo_like else rng.uniform(0.1, 0.25)
    small = (max(1, scene.width // SHADOW_SCALE), max(1, scene.height // SHADOW_SCALE))
    mask = Image.new("L", small, 0)
    draw = ImageDraw.Draw(mask)
    shift = (reach * math.cos(direction), reach * math.sin(direction))
    for placement in placements:
        draw.polygon([((x + shift[0]) / SHADOW_SCALE, (y + shift[1]) / SHADOW_SCALE) for x, y in placement.corners()],
                     fill=round(255 * strength))
    mask = mask.filter(ImageFilter.GaussianBlur(side * rng.uniform(0.01, 0.04) / SHADOW_SCALE)).resize(
        scene.size, Image.Resampling.BILINEAR
    )
    return Image.composite(Image.new("RGB", scene.size, (0, 0, 0)), scene, mask)


def render_shelf_photo(
    albums: list[Album], *, photo_like: bool, rng: random.Random, nprng: np.random.Generator
) -> ShelfPhoto:
    """Six ``albums`` (reading order: left to right, top to bottom) in one photo."""
    columns, rows, placements, width, height = _plan(rng, photo_like)
    bleed = round(BLEED * max(width, height)) if photo_like else 0
    placements = [
        _Placement((placement.centre[0] + bleed, placement.centre[1] + bleed), placement.angle, placement.side)
        for placement in placements
    ]
    scene = draw_surface(width + 2 * bleed, height + 2 * bleed, photo_like=photo_like, rng=rng, nprng=nprng)
    if photo_like or rng.random() < 0.5:
        scene = _cast_shadows(scene, placements, rng, photo_like=photo_like)
    for album, placement in zip(albums, placements, strict=True):
        palette = random_palette(rng)
        cover = letter_cover(paint_cover_art(placement.side, palette, rng, nprng), album, palette, rng)
        turned = cover.rotate(placement.angle, resample=Image.Resampling.BICUBIC, expand=True)
        mask = Image.new("L", cover.size, 255).rotate(placement.angle, resample=Image.Resampling.BICUBIC, expand=True)
        corner = (round(placement.centre[0] - turned.width / 2), round(placement.centre[1] - turned.height / 2))
        scene.paste(turned, corner, mask)
    layout = f"{columns}x{rows}"
    if photo_like:
        return ShelfPhoto(photograph(scene, width, height, rng, nprng), layout, rng.randint(55, 92))
    grain = nprng.standard_normal((height, width, 1), dtype=np.float32) * rng.uniform(0.0, 2.0)
    clean = np.clip(np.asarray(scene, dtype=np.float32) + grain, 0, 255).astype(np.uint8)
    return ShelfPhoto(Image.fromarray(clean), layout, rng.randint(80, 95))

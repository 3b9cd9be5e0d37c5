"""What the covers lie on: wood, fabric, carpet, a painted wall, a gradient, a dark table, paper.

Each surface is drawn from smooth noise fields at the photo's own size. A
clean, scan-like photo draws from the quiet surfaces; a photo-like one from
all of them.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable

import numpy as np
from PIL import Image

from albums.holdout.noise_fields import fractal_noise, smooth_noise, unit_grid
from albums.holdout.palettes import Rgb, from_hsv
from albums.holdout.weighted import pick_weighted

_Surface = Callable[[int, int, random.Random, np.random.Generator], Image.Image]

WOODS: tuple[tuple[Rgb, Rgb], ...] = (
    ((92, 56, 30), (170, 116, 70)),  # oak
    ((54, 32, 20), (120, 78, 48)),  # walnut
    ((170, 128, 84), (226, 190, 140)),  # pine
    ((110, 50, 34), (176, 96, 64)),  # cherry
)


def _to_image(pixels: np.ndarray) -> Image.Image:
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))


def _tinted(colour: Rgb, shade: np.ndarray) -> np.ndarray:
    """``colour`` lightened or darkened pixel by pixel: ``shade`` 1 keeps it."""
    return np.array(colour, dtype=np.float32) * shade[..., None]


def _fine_noise(nprng: np.random.Generator, width: int, height: int) -> np.ndarray:
    return nprng.standard_normal((height, width), dtype=np.float32)


def wood(width: int, height: int, rng: random.Random, nprng: np.random.Generator) -> Image.Image:
    """Planks with rings, streaks and seams; the grain runs across or down the photo."""
    across = rng.random() < 0.6
    length, breadth = (width, height) if across else (height, width)
    dark, light = rng.choice(WOODS)
    warp = smooth_noise(nprng, length, breadth, (3, 6))
    _, depth = unit_grid(length, breadth)
    rings = np.sin((depth * rng.uniform(10, 30) + warp * rng.uniform(1.5, 4.0)) * 2 * math.pi)
    streaks = smooth_noise(nprng, length, breadth, (max(2, length // 90), max(2, breadth // 2)))
    tone = np.clip(0.5 + 0.22 * rings + 0.5 * (streaks - 0.5), 0, 1)
    planks = rng.randint(2, 6)
    plank = np.floor(depth * planks).astype(np.int32)
    tone = tone * np.array([rng.uniform(0.85, 1.1) for _ in range(planks + 1)], dtype=np.float32)[plank]
    seam = np.abs(depth * planks - np.round(depth * planks)) * breadth / planks < max(1.0, breadth / 700)
    tone[seam] *= 0.45
    pixels = np.array(dark, np.float32) + (np.array(light, np.float32) - dark) * tone[..., None]
    pixels += _fine_noise(nprng, length, breadth)[..., None] * 4
    image = _to_image(pixels)
    return image if across else image.transpose(Image.Transpose.TRANSPOSE)


def fabric(width: int, height: int, rng: random.Random, nprng: np.random.Generator) -> Image.Image:
    """A woven cloth: a fine criss-cross, fibres and soft folds."""
    colour = from_hsv(rng.random(), rng.uniform(0.1, 0.6), rng.uniform(0.35, 0.9))
    xs, ys = unit_grid(width, height)
    pitch = rng.uniform(3, 7)
    weave = np.sin(xs * width / pitch * 2 * math.pi) * np.sin(ys * height / pitch * 2 * math.pi)
    folds = smooth_noise(nprng, width, height, (rng.randint(2, 5), rng.randint(2, 5)))
    shade = 0.85 + 0.06 * weave + 0.25 * (folds - 0.5) + 0.05 * _fine_noise(nprng, width, height)
    return _to_image(_tinted(colour, shade))


def carpet(width: int, height: int, rng: random.Random, nprng: np.random.Generator) -> Image.Image:
    """Deep pile: strong speckle over mottled patches."""
    colour = from_hsv(rng.random(), rng.uniform(0.2, 0.7), rng.uniform(0.25, 0.65))
    mottle = fractal_noise(nprng, width, height, 3, 3)
    speckle = _fine_noise(nprng, width, height)
    return _to_image(_tinted(colour, 0.8 + 0.35 * (mottle - 0.5) + 0.14 * speckle))


def painted_wall(width: int, height: int, rng: random.Random, nprng: np.random.Generator) -> Image.Image:
    """Emulsion on plaster: a light colour, faint roller marks and stipple."""
    colour = from_hsv(rng.random(), rng.uniform(0.03, 0.3), rng.uniform(0.75, 0.95))
    roller = smooth_noise(nprng, width, height, (rng.randint(6, 14), 2))
    patches = fractal_noise(nprng, width, height, 2, 3)
    shade = 0.96 + 0.05 * (roller - 0.5) + 0.06 * (patches - 0.5) + 0.015 * _fine_noise(nprng, width, height)
    return _to_image(_tinted(colour, shade))


def gradient(width: int, height: int, rng: random.Random, nprng: np.random.Generator) -> Image.Image:
    """A soft studio sweep from one muted colour to another."""
    hue = rng.random()
    first = np.array(from_hsv(hue, rng.uniform(0.05, 0.4), rng.uniform(0.3, 0.95)), np.float32)
    second_hue = hue + rng.uniform(-0.15, 0.15)
    second = np.array(from_hsv(second_hue, rng.uniform(0.05, 0.4), rng.uniform(0.2, 0.9)), np.float32)
    xs, ys = unit_grid(width, height)
    angle = rng.uniform(0, 2 * math.pi)
    along = xs * math.cos(angle) + ys * math.sin(angle)
    along = ((along - along.min()) / max(float(along.max() - along.min()), 1e-6))[..., None]
    return _to_image(first + (second - first) * along + _fine_noise(nprng, width, height)[..., None] * 1.5)


def dark_table(width: int, height: int, rng: random.Random, nprng: np.random.Generator) -> Image.Image:
    """A dark lacquered or slate top with a dull sheen."""
    colour = from_hsv(rng.random(), rng.uniform(0.0, 0.35), rng.uniform(0.1, 0.2))
    sheen = smooth_noise(nprng, width, height, (2, 2))
    grain = smooth_noise(nprng, width, height, (max(2, width // 40), max(2, height // 40)))
    shade = 0.85 + 0.5 * (sheen - 0.5) + 0.2 * (grain - 0.5) + 0.03 * _fine_noise(nprng, width, height)
    return _to_image(_tinted(colour, shade))


def paper(width: int, height: int, rng: random.Random, nprng: np.random.Generator) -> Image.Image:
    """A scanner lid or a sheet of paper: near white, nearly flat."""
    level = rng.uniform(225, 250)
    tint = np.array([rng.uniform(0.97, 1.0) for _ in range(3)], dtype=np.float32)
    shade = smooth_noise(nprng, width, height, (3, 3)) * 6 + _fine_noise(nprng, width, height) * 1.2
    return _to_image((level + shade)[..., None] * tint)


CLEAN_SURFACES: tuple[tuple[_Surface, float], ...] = (
    (paper, 3.0), (painted_wall, 1.5), (fabric, 1.0), (gradient, 1.5), (wood, 1.0),
)
PHOTO_SURFACES: tuple[tuple[_Surface, float], ...] = (
    (wood, 3.0), (carpet, 1.5), (fabric, 1.5), (painted_wall, 1.5), (dark_table, 2.0), (gradient, 1.0),
)


def draw_surface(
    width: int, height: int, *, photo_like: bool, rng: random.Random, nprng: np.random.Generator
) -> Image.Image:
    return pick_weighted(rng, PHOTO_SURFACES if photo_like else CLEAN_SURFACES)(width, height, rng, nprng)

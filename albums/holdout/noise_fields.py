"""Smooth random fields: the raw material of wood, fabric, walls, photos and light.

A field is a small grid of random values blown up with bicubic resampling,
so it costs little at any image size; octaves of such fields add up to
cloud-like "fractal" noise.
"""

from __future__ import annotations

import numpy as np
from PIL import Image


def smooth_noise(nprng: np.random.Generator, width: int, height: int, cells: tuple[int, int]) -> np.ndarray:
    """Values around 0..1 that vary smoothly over ``cells`` (columns, rows) across the image."""
    columns, rows = max(1, cells[0]), max(1, cells[1])
    grid = nprng.random((rows + 1, columns + 1), dtype=np.float32)
    field = Image.fromarray(grid).resize((width, height), Image.Resampling.BICUBIC)
    return np.asarray(field, dtype=np.float32)


def fractal_noise(nprng: np.random.Generator, width: int, height: int, base_cells: int, octaves: int) -> np.ndarray:
    """Octaves of ``smooth_noise``, each twice as fine and half as strong, scaled to 0..1."""
    total = np.zeros((height, width), dtype=np.float32)
    aspect = width / max(1, height)
    for octave in range(octaves):
        cells = base_cells * 2**octave
        total += smooth_noise(nprng, width, height, (round(cells * aspect), cells)) / 2**octave
    low, high = float(total.min()), float(total.max())
    return (total - low) / max(high - low, 1e-6)


def unit_grid(width: int, height: int) -> tuple[np.ndarray, np.ndarray]:
    """Pixel-centre coordinates scaled to 0..1: (x, y), each of shape (height, width)."""
    xs = (np.arange(width, dtype=np.float32) + 0.5) / width
    ys = (np.arange(height, dtype=np.float32) + 0.5) / height
    return np.meshgrid(xs, ys)

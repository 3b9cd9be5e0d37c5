"""What a phone camera does to a flat arrangement of covers.

A camera a few degrees off-axis (perspective), light that falls off towards
one side and the corners, a soft glare spot, a colour cast, a little defocus
and sensor noise. Every effect stays mild enough that a person still reads
each cover at a glance. The scene is drawn with a border (``bleed``) around
the frame, so the perspective pulls in real surface, never an empty corner.
"""

from __future__ import annotations

import random

import numpy as np
from PIL import Image, ImageFilter

from albums.holdout.noise_fields import unit_grid

BLEED = 0.07
"""The border drawn around the frame, as a share of its long side."""


def _perspective_coefficients(
    frame: list[tuple[float, float]], source: list[tuple[float, float]]
) -> tuple[float, ...]:
    """PIL's eight coefficients taking a point of ``frame`` to the matching point of ``source``."""
    rows, values = [], []
    for (x, y), (u, v) in zip(frame, source, strict=True):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
        values += [u, v]
    return tuple(float(c) for c in np.linalg.solve(np.array(rows, dtype=np.float64), np.array(values)))


def off_axis_view(scene: Image.Image, width: int, height: int, rng: random.Random) -> Image.Image:
    """The ``width`` x ``height`` frame at the centre of ``scene``, as seen by a tilted camera.

    Each corner of the frame looks at a point pushed outwards into the
    bleed, further on the side the camera leans away from (that side looks
    smaller); the seen quadrilateral holds the whole frame, so every cover
    stays in the picture.
    """
    bleed_x, bleed_y = (scene.width - width) / 2, (scene.height - height) / 2
    lean_x, lean_y = rng.uniform(-1, 1), rng.uniform(-1, 1)
    corners = [(0.0, 0.0), (width, 0.0), (width, height), (0.0, height)]
    source = []
    for x, y in corners:
        side_x, side_y = (1 if x else -1), (1 if y else -1)
        push_x = min(1.0, max(0.05, 0.35 + 0.3 * lean_y * side_y + rng.uniform(-0.1, 0.1)))
        push_y = min(1.0, max(0.05, 0.35 + 0.3 * lean_x * side_x + rng.uniform(-0.1, 0.1)))
        source.append((bleed_x + x + side_x * push_x * bleed_x, bleed_y + y + side_y * push_y * bleed_y))
    coefficients = _perspective_coefficients(corners, source)
    return scene.transform((width, height), Image.Transform.PERSPECTIVE, coefficients, Image.Resampling.BICUBIC)


def _light(photo: Image.Image, rng: random.Random) -> np.ndarray:
    """Falloff from a bright side, darker corners, and a soft glare spot (0..1 white mix)."""
    xs, ys = unit_grid(photo.width, photo.height)
    angle = rng.uniform(0, 2 * np.pi)
    slope = rng.uniform(0.05, 0.25) * ((xs - 0.5) * np.cos(angle) + (ys - 0.5) * np.sin(angle))
    vignette = rng.uniform(0.1, 0.35) * (np.hypot(xs - 0.5, ys - 0.5) / 0.71) ** 2
    gain = 1 - slope - vignette
    glare_x, glare_y = rng.uniform(0.15, 0.85), rng.uniform(0.15, 0.85)
    spread = rng.uniform(0.08, 0.2)
    aspect = photo.width / photo.height
    glare = rng.uniform(0.12, 0.3) * np.exp(-(((xs - glare_x) * aspect) ** 2 + (ys - glare_y) ** 2) / (2 * spread**2))
    pixels = np.asarray(photo, dtype=np.float32) * gain[..., None]
    return pixels + (255 - pixels) * glare[..., None]


def photograph(
    scene: Image.Image, width: int, height: int, rng: random.Random, nprng: np.random.Generator
) -> Image.Image:
    """``scene`` (frame plus bleed) as a phone photo of the frame."""
    photo = off_axis_view(scene, width, height, rng)
    pixels = _light(photo, rng)
    cast = np.array([rng.uniform(0.92, 1.08) for _ in range(3)], dtype=np.float32)
    pixels = np.clip(pixels * cast, 0, 255).astype(np.uint8)
    blur = rng.uniform(0.2, 0.9) * max(width, height) / 1500
    photo = Image.fromarray(pixels).filter(ImageFilter.GaussianBlur(blur))
    noise = nprng.standard_normal((height, width, 1), dtype=np.float32) * rng.uniform(2, 6)
    noise = noise + nprng.standard_normal((height, width, 3), dtype=np.float32) * rng.uniform(0.5, 2)
    return Image.fromarray(np.clip(np.asarray(photo, dtype=np.float32) + noise, 0, 255).astype(np.uint8))

"""Colour schemes for cover art and the contrast arithmetic that keeps text readable.

Contrast is the WCAG ratio of relative luminances: 1 for equal colours, 21
for black on white. Text is placed only where its ratio to the lightest and
the darkest pixel behind it is high.
"""

from __future__ import annotations

import colorsys
import random

import numpy as np

Rgb = tuple[int, int, int]

WHITE: Rgb = (250, 250, 246)
INK: Rgb = (18, 18, 22)
CREAM: Rgb = (243, 234, 212)


def from_hsv(hue: float, saturation: float, value: float) -> Rgb:
    red, green, blue = colorsys.hsv_to_rgb(hue % 1.0, saturation, value)
    return round(red * 255), round(green * 255), round(blue * 255)


def _linear(channel: np.ndarray) -> np.ndarray:
    scaled = channel / 255.0
    return np.where(scaled <= 0.04045, scaled / 12.92, ((scaled + 0.055) / 1.055) ** 2.4)


def luminance(pixels: np.ndarray) -> np.ndarray:
    """Relative luminance 0..1 of an array whose last axis is RGB 0..255."""
    linear = _linear(np.asarray(pixels, dtype=np.float32))
    return linear[..., 0] * 0.2126 + linear[..., 1] * 0.7152 + linear[..., 2] * 0.0722


def colour_luminance(colour: Rgb) -> float:
    return float(luminance(np.array(colour, dtype=np.float32)))


def contrast(first: float, second: float) -> float:
    light, dark = max(first, second), min(first, second)
    return (light + 0.05) / (dark + 0.05)


def random_palette(rng: random.Random) -> list[Rgb]:
    """Five colours of one scheme: analogous, complementary, triadic, muted or black and white."""
    hue = rng.random()
    scheme = rng.choice(("analogous", "complementary", "triadic", "muted", "mono", "vivid"))
    if scheme == "mono":
        return [from_hsv(hue, rng.uniform(0.0, 0.12), value) for value in (0.08, 0.3, 0.55, 0.8, 0.97)]
    offsets = {
        "analogous": (0.0, 0.05, -0.06, 0.1, -0.1),
        "complementary": (0.0, 0.5, 0.03, 0.47, 0.0),
        "triadic": (0.0, 1 / 3, 2 / 3, 0.0, 1 / 3),
        "muted": (0.0, 0.08, 0.5, -0.05, 0.12),
        "vivid": (0.0, 0.15, 0.55, 0.7, 0.3),
    }[scheme]
    saturation = {"muted": (0.15, 0.4), "vivid": (0.7, 1.0)}.get(scheme, (0.35, 0.9))
    return [
        from_hsv(hue + offset, rng.uniform(*saturation), rng.uniform(0.2, 1.0)) for offset in offsets
    ]

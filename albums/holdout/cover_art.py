"""The picture on a cover, before any text: many kinds, so no two covers look alike.

Flat colour, linear and radial gradients, geometric shapes, stripes, rings and
sunbursts, halftone dots, colour blocks and pseudo-photographs (cloudy noise
with soft blobs and grain); some get a frame or a plain border. Readability is
not this module's concern: ``typography`` looks at what ends up behind the
text and puts a plate under it where needed.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from albums.holdout.noise_fields import fractal_noise, smooth_noise, unit_grid
from albums.holdout.palettes import Rgb
from albums.holdout.weighted import pick_weighted

_Painter = Callable[[int, list[Rgb], random.Random, np.random.Generator], Image.Image]


def _ramp(values: np.ndarray, colours: list[Rgb]) -> Image.Image:
    """Map values 0..1 through evenly spaced colour stops."""
    stops = np.array(colours, dtype=np.float32)
    scaled = np.clip(values, 0.0, 1.0) * (len(stops) - 1)
    lower = np.minimum(scaled.astype(np.int32), len(stops) - 2)
    weight = (scaled - lower)[..., None]
    pixels = stops[lower] * (1 - weight) + stops[lower + 1] * weight
    return Image.fromarray(pixels.round().astype(np.uint8))


def _flat(side: int, palette: list[Rgb], rng: random.Random, nprng: np.random.Generator) -> Image.Image:
    return Image.new("RGB", (side, side), rng.choice(palette))


def _linear_gradient(side: int, palette: list[Rgb], rng: random.Random, nprng: np.random.Generator) -> Image.Image:
    xs, ys = unit_grid(side, side)
    angle = rng.uniform(0, 2 * math.pi)
    along = xs * math.cos(angle) + ys * math.sin(angle)
    along = (along - along.min()) / max(float(along.max() - along.min()), 1e-6)
    return _ramp(along, rng.sample(palette, rng.choice((2, 3))))


def _radial_gradient(side: int, palette: list[Rgb], rng: random.Random, nprng: np.random.Generator) -> Image.Image:
    xs, ys = unit_grid(side, side)
    centre_x, centre_y = rng.uniform(0.2, 0.8), rng.uniform(0.2, 0.8)
    distance = np.hypot(xs - centre_x, ys - centre_y) / rng.uniform(0.6, 1.1)
    return _ramp(distance, rng.sample(palette, rng.choice((2, 3))))


def _shapes(side: int, palette: list[Rgb], rng: random.Random, nprng: np.random.Generator) -> Image.Image:
    art = _flat(side, palette, rng, nprng) if rng.random() < 0.6 else _linear_gradient(side, palette, rng, nprng)
    draw = ImageDraw.Draw(art)
    for _ in range(rng.randint(2, 9)):
        colour = rng.choice(palette)
        x, y = rng.uniform(-0.1, 1.1) * side, rng.uniform(-0.1, 1.1) * side
        radius = rng.uniform(0.05, 0.45) * side
        box = (x - radius, y - radius, x + radius, y + radius)
        kind = rng.choice(("circle", "square", "triangle", "ring", "bar"))
        if kind == "circle":
            draw.ellipse(box, fill=colour)
        elif kind == "square":
            draw.rectangle(box, fill=colour)
        elif kind == "ring":
            draw.ellipse(box, outline=colour, width=max(2, round(radius * rng.uniform(0.08, 0.3))))
        elif kind == "bar":
            draw.line((x - 2 * radius, y, x + 2 * radius, y + rng.uniform(-1, 1) * radius), fill=colour,
                      width=max(2, round(radius * 0.25)))
        else:
            turn = rng.uniform(0, 2 * math.pi)
            angles = [turn + corner * 2 * math.pi / 3 for corner in range(3)]
            points = [(x + radius * math.cos(angle), y + radius * math.sin(angle)) for angle in angles]
            draw.polygon(points, fill=colour)
    return art


def _stripes(side: int, palette: list[Rgb], rng: random.Random, nprng: np.random.Generator) -> Image.Image:
    xs, ys = unit_grid(side, side)
    angle = rng.choice((0.0, math.pi / 2, math.pi / 4, -math.pi / 4, rng.uniform(0, math.pi)))
    along = xs * math.cos(angle) + ys * math.sin(angle)
    count = rng.randint(3, 14)
    colours = np.array(rng.sample(palette, rng.choice((2, 3, 4))), dtype=np.uint8)
    band = np.floor((along - along.min()) * count).astype(np.int32) % len(colours)
    return Image.fromarray(colours[band])


def _rings(side: int, palette: list[Rgb], rng: random.Random, nprng: np.random.Generator) -> Image.Image:
    xs, ys = unit_grid(side, side)
    centre_x, centre_y = rng.uniform(0.0, 1.0), rng.uniform(0.0, 1.0)
    colours = np.array(rng.sample(palette, rng.choice((2, 3))), dtype=np.uint8)
    if rng.random() < 0.5:
        index = np.floor(np.hypot(xs - centre_x, ys - centre_y) * rng.uniform(4, 14))
    else:
        index = np.floor((np.arctan2(ys - centre_y, xs - centre_x) + math.pi) / (2 * math.pi) * rng.randint(8, 28))
    return Image.fromarray(colours[index.astype(np.int32) % len(colours)])


def _halftone(side: int, palette: list[Rgb], rng: random.Random, nprng: np.random.Generator) -> Image.Image:
    background, ink = rng.sample(palette, 2)
    art = Image.new("RGB", (side, side), background)
    draw = ImageDraw.Draw(art)
    pitch = side / rng.randint(9, 22)
    angle = rng.uniform(0, 2 * math.pi)
    steps = int(side / pitch) + 2
    for row in range(steps):
        for column in range(steps):
            x, y = (column + 0.5 * (row % 2)) * pitch, row * pitch
            shade = 0.5 + 0.5 * math.sin(angle + (x * math.cos(angle) + y * math.sin(angle)) / side * 4)
            radius = pitch * 0.48 * shade
            if radius > 0.6:
                draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=ink)
    return art


def _blocks(side: int, palette: list[Rgb], rng: random.Random, nprng: np.random.Generator) -> Image.Image:
    art = Image.new("RGB", (side, side), rng.choice(palette))
    draw = ImageDraw.Draw(art)
    boxes = [(0.0, 0.0, float(side), float(side))]
    for _ in range(rng.randint(2, 6)):
        left, top, right, bottom = boxes.pop(rng.randrange(len(boxes)))
        if right - left > bottom - top:
            cut = rng.uniform(left + 0.3 * (right - left), right - 0.3 * (right - left))
            boxes += [(left, top, cut, bottom), (cut, top, right, bottom)]
        else:
            cut = rng.uniform(top + 0.3 * (bottom - top), bottom - 0.3 * (bottom - top))
            boxes += [(left, top, right, cut), (left, cut, right, bottom)]
    line = rng.choice(((0, 0, 0), (245, 245, 240), None))
    for box in boxes:
        draw.rectangle(box, fill=rng.choice(palette), outline=line, width=max(1, side // 90) if line else 0)
    return art


def _photo(side: int, palette: list[Rgb], rng: random.Random, nprng: np.random.Generator) -> Image.Image:
    """A pseudo-photograph: cloudy tones, a few soft shapes, darker corners and film grain."""
    art = _ramp(fractal_noise(nprng, side, side, rng.randint(2, 4), 4), rng.sample(palette, 3))
    blobs = Image.new("RGB", (side, side))
    mask = Image.new("L", (side, side), 0)
    blob_draw, mask_draw = ImageDraw.Draw(blobs), ImageDraw.Draw(mask)
    for _ in range(rng.randint(1, 5)):
        x, y = rng.uniform(0, 1) * side, rng.uniform(0, 1) * side
        width, height = rng.uniform(0.1, 0.4) * side, rng.uniform(0.1, 0.4) * side
        blob_draw.ellipse((x - width, y - height, x + width, y + height), fill=rng.choice(palette))
        mask_draw.ellipse((x - width, y - height, x + width, y + height), fill=rng.randint(120, 230))
    soften = ImageFilter.GaussianBlur(side * rng.uniform(0.02, 0.08))
    art = Image.composite(blobs.filter(soften), art, mask.filter(soften))
    xs, ys = unit_grid(side, side)
    darkening = 1 - rng.uniform(0.1, 0.45) * (np.hypot(xs - 0.5, ys - 0.5) / 0.71) ** 2
    grain = smooth_noise(nprng, side, side, (side // 3, side // 3)) - 0.5
    pixels = np.asarray(art, dtype=np.float32) * darkening[..., None] + grain[..., None] * rng.uniform(10, 30)
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))


PAINTERS: tuple[tuple[_Painter, float], ...] = (
    (_flat, 1.2),
    (_linear_gradient, 1.2),
    (_radial_gradient, 0.8),
    (_shapes, 1.5),
    (_stripes, 1.0),
    (_rings, 0.7),
    (_halftone, 0.6),
    (_blocks, 0.8),
    (_photo, 2.0),
)


def _frame(art: Image.Image, palette: list[Rgb], rng: random.Random) -> Image.Image:
    """A thin inset frame line, or a plain border around a smaller picture."""
    side = art.width
    colour = rng.choice([*palette, (245, 243, 236), (15, 15, 15)])
    if rng.random() < 0.5:
        inset = round(side * rng.uniform(0.025, 0.06))
        ImageDraw.Draw(art).rectangle(
            (inset, inset, side - 1 - inset, side - 1 - inset), outline=colour, width=max(2, side // 120)
        )
        return art
    border = round(side * rng.uniform(0.04, 0.1))
    framed = Image.new("RGB", (side, side), colour)
    framed.paste(art.resize((side - 2 * border, side - 2 * border), Image.Resampling.LANCZOS), (border, border))
    return framed


def paint_cover_art(side: int, palette: list[Rgb], rng: random.Random, nprng: np.random.Generator) -> Image.Image:
    art = pick_weighted(rng, PAINTERS)(side, palette, rng, nprng)
    return _frame(art, palette, rng) if rng.random() < 0.25 else art

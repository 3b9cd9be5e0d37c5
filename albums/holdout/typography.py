"""Artist and title on a cover: placed, sized and coloured so a person reads them at once.

The two names are separate blocks. Their order, sizes (artist small and title
big, or the reverse, or equal), faces, capitals, letter-spacing, wrapping
(long titles over two or three lines) and placement (stacked at the top, the
middle or the bottom, left, centred or right; or one at the top and one at the
bottom) vary from cover to cover. Two rules never bend: no text is smaller
than ``MIN_TEXT`` of the cover side or closer to its edge than the margin, and
text is drawn only in a colour whose contrast with every pixel behind it is at
least ``MIN_CONTRAST``; where no colour reaches that, an opaque plate goes
under the text first.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from albums.holdout.canon_albums import Album
from albums.holdout.fonts import FontFace, load_font, pick_face
from albums.holdout.palettes import CREAM, INK, WHITE, Rgb, colour_luminance, contrast, luminance

MIN_TEXT = 0.055
"""The smallest font size, as a share of the cover side (capitals are about 0.7 of it)."""
MIN_TEXT_PIXELS = 14
MARGIN = (0.07, 0.11)
"""Text keeps this far from the cover's edges, as a share of its side."""
MIN_CONTRAST = 5.0
"""WCAG contrast of text against the lightest and darkest pixels behind it (4.5 is the web's bar)."""
LIGHT_FACE_MIN = 0.1
"""Thin light weights only at this size (share of the cover side) or larger."""

_Box = tuple[int, int, int, int]
"""left, top, right, bottom in pixels"""


@dataclass(frozen=True)
class _SetText:
    """A name broken into lines in one font; ``tracking`` is extra space between letters."""

    lines: tuple[str, ...]
    font: ImageFont.FreeTypeFont
    tracking: float
    line_height: int

    def line_width(self, line: str) -> float:
        if not self.tracking:
            return self.font.getlength(line)
        return sum(self.font.getlength(char) for char in line) + self.tracking * (len(line) - 1)

    @property
    def width(self) -> float:
        return max(self.line_width(line) for line in self.lines)

    @property
    def height(self) -> int:
        return self.line_height * len(self.lines)


@dataclass(frozen=True)
class _Block:
    text: _SetText
    left: int
    top: int
    align: str

    @property
    def box(self) -> _Box:
        return self.left, self.top, self.left + round(self.text.width), self.top + self.text.height


def _balanced_lines(words: list[str], count: int, width_of: Callable[[str], float]) -> tuple[str, ...]:
    """``words`` in ``count`` lines, split where the widest line is narrowest."""
    if count == 1:
        return (" ".join(words),)
    best: tuple[str, ...] = ()
    best_width = float("inf")
    for cut in range(1, len(words) - count + 2):
        rest = _balanced_lines(words[cut:], count - 1, width_of)
        lines = (" ".join(words[:cut]), *rest)
        widest = max(width_of(line) for line in lines)
        if widest < best_width:
            best, best_width = lines, widest
    return best


def _set(text: str, face: FontFace, size: int, tracking: float, lines: int) -> _SetText:
    font = load_font(face, size)
    ascent, descent = font.getmetrics()
    probe = _SetText((text,), font, tracking * size, round((ascent + descent) * 1.04))
    return _SetText(_balanced_lines(text.split(), lines, probe.line_width), font, probe.tracking, probe.line_height)


def _fit(
    text: str, face: FontFace, *, target: float, smallest: int, width: float, height: float,
    tracking: float, lines: tuple[int, int],
) -> _SetText:
    """The largest setting from ``target`` down that fits ``width`` x ``height``: fewer lines first."""
    words = len(text.split())
    for spacing in (tracking, 0.0):
        size = float(target)
        while round(size) >= smallest:
            for count in range(min(lines[0], words), min(lines[1], words) + 1):
                setting = _set(text, face, round(size), spacing, count)
                if setting.width <= width and setting.height <= height:
                    return setting
            size *= 0.93
    raise ValueError(f"{text!r} does not fit {width:.0f}x{height:.0f} px at {smallest} px in {face.file}")


def _cased(text: str, rule: str) -> str:
    return {"upper": text.upper(), "lower": text.lower()}.get(rule, text)


def _candidates(palette: list[Rgb]) -> list[Rgb]:
    return [*palette, WHITE, INK, CREAM]


def _readable_colours(behind: np.ndarray, palette: list[Rgb]) -> list[Rgb]:
    """Colours whose contrast with the lightest and the darkest pixel behind reaches ``MIN_CONTRAST``."""
    lights = luminance(behind)
    darkest, lightest = (float(value) for value in np.percentile(lights, (2, 98)))
    readable = []
    for colour in _candidates(palette):
        level = colour_luminance(colour)
        if level >= lightest:
            worst = contrast(level, lightest)
        elif level <= darkest:
            worst = contrast(level, darkest)
        else:
            worst = 1.0
        if worst >= MIN_CONTRAST:
            readable.append(colour)
    return readable


def _padded(box: _Box, pad: int, side: int) -> _Box:
    edge = max(1, side // 60)
    left, top, right, bottom = box
    return (max(edge, left - pad), max(edge, top - pad), min(side - edge, right + pad), min(side - edge, bottom + pad))


def _union(boxes: list[_Box]) -> _Box:
    return min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes)


def _backdrop(art: Image.Image, box: _Box, kind: str, palette: list[Rgb], rng: random.Random) -> Image.Image:
    """A band across the cover, an opaque plate, or a see-through plate under ``box``."""
    overlay = Image.new("RGBA", art.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    colour = rng.choice(_candidates(palette))
    if kind == "band":
        draw.rectangle((0, box[1], art.width, box[3]), fill=(*colour, rng.choice((255, 230))))
    elif kind == "plate":
        radius = rng.choice((0, 0, art.width // 40, art.width // 15))
        draw.rounded_rectangle(box, radius=radius, fill=(*colour, 255))
    else:
        glass = rng.choice((WHITE, INK))
        draw.rectangle(box, fill=(*glass, rng.randint(150, 215)))
    return Image.alpha_composite(art.convert("RGBA"), overlay).convert("RGB")


def _plain_plate(art: Image.Image, box: _Box, palette: list[Rgb], rng: random.Random) -> Image.Image:
    """An opaque plate in a very light or very dark colour: ink or white on it always reads."""
    plates = [colour for colour in palette if not 0.06 < colour_luminance(colour) < 0.55] or [WHITE, INK]
    plated = art.copy()
    ImageDraw.Draw(plated).rectangle(box, fill=rng.choice(plates))
    return plated


def _draw(draw: ImageDraw.ImageDraw, block: _Block, colour: Rgb) -> None:
    text = block.text
    for number, line in enumerate(text.lines):
        slack = text.width - text.line_width(line)
        x = block.left + {"left": 0.0, "centre": slack / 2, "right": slack}[block.align]
        y = block.top + number * text.line_height
        if not text.tracking:
            draw.text((x, y), line, font=text.font, fill=colour, anchor="la")
            continue
        for char in line:
            draw.text((x, y), char, font=text.font, fill=colour, anchor="la")
            x += text.font.getlength(char) + text.tracking


def _left(width: float, align: str, margin: float, side: int) -> int:
    return round({"left": margin, "centre": (side - width) / 2, "right": side - margin - width}[align])


CASES = (("as is", "as is"), ("upper", "upper"), ("upper", "as is"), ("as is", "upper"), ("as is", "lower"))
"""How artist and title are capitalised; the truth keeps the normal spelling either way."""


def _set_names(album: Album, side: int, margin: float, *, stacked: bool, rng: random.Random) -> list[_SetText]:
    """Artist and title set in their faces and sizes, in the order they are read on the cover."""
    artist_case, title_case = rng.choices(CASES, (5, 3, 1.5, 1.5, 0.5))[0]
    big, small = rng.uniform(0.1, 0.17), rng.uniform(MIN_TEXT + 0.005, 0.085)
    emphasis = rng.choices(("title", "artist", "equal"), (4.5, 3, 2.5))[0]
    if emphasis == "equal":
        big = small = rng.uniform(0.07, 0.11)
    artist_size, title_size = (small, big) if emphasis == "title" else (big, small)
    width, height = side - 2 * margin, side * (0.28 if stacked else 0.34)
    smallest = max(MIN_TEXT_PIXELS, round(side * MIN_TEXT))
    shared_face = pick_face(rng, light_ok=big >= LIGHT_FACE_MIN)
    names = []
    for name, share, most_lines in (
        (_cased(album.artist, artist_case), artist_size, 2),
        (_cased(album.title, title_case), title_size, 3),
    ):
        face = shared_face if rng.random() < 0.35 else pick_face(rng, light_ok=share >= LIGHT_FACE_MIN)
        tracking = rng.uniform(0.05, 0.22) if rng.random() < 0.15 else 0.0
        fewest = 2 if most_lines == 3 and len(name.split()) >= 4 and rng.random() < 0.5 else 1
        names.append(_fit(name, face, target=side * share, smallest=smallest, width=width, height=height,
                          tracking=tracking, lines=(fewest, most_lines)))
    if rng.random() < 0.25:
        names.reverse()
    return names


def _arrange(
    names: list[_SetText], side: int, margin: float, *, stacked: bool, rng: random.Random
) -> list[list[_Block]]:
    """Blocks grouped by what shares a backdrop: both names stacked, or one at the top and one at the bottom."""
    first, second = names
    align = rng.choice(("left", "centre", "centre", "right"))
    if stacked:
        gap = second.line_height * rng.uniform(0.2, 0.5)
        total = first.height + gap + second.height
        top = rng.choice((margin, (side - total) / 2, side - margin - total))
        return [[
            _Block(first, _left(first.width, align, margin, side), round(top), align),
            _Block(second, _left(second.width, align, margin, side), round(top + first.height + gap), align),
        ]]
    other = align if rng.random() < 0.7 else rng.choice(("left", "centre", "right"))
    return [
        [_Block(first, _left(first.width, align, margin, side), round(margin), align)],
        [_Block(second, _left(second.width, other, margin, side), round(side - margin - second.height), other)],
    ]


def _ink(lettered: Image.Image, group: list[_Block], palette: list[Rgb], pad: int, rng: random.Random) -> Image.Image:
    """One group of names drawn, over a backdrop of its own where the art is too busy for any colour."""
    side = lettered.width
    plate = _padded(_union([block.box for block in group]), pad, side)
    kind = rng.choices(("bare", "plate", "band", "glass"), (5, 2, 1.5, 1.5))[0]
    if kind != "bare":
        lettered = _backdrop(lettered, plate, kind, palette, rng)
    pixels = np.asarray(lettered)
    behind = [_padded(block.box, 2, side) for block in group]
    choices = [_readable_colours(pixels[box[1]:box[3], box[0]:box[2]], palette) for box in behind]
    if not all(choices):
        lettered = _plain_plate(lettered, plate, palette, rng)
        pixels = np.asarray(lettered)
        choices = [_readable_colours(pixels[plate[1]:plate[3], plate[0]:plate[2]], palette)] * len(group)
    draw = ImageDraw.Draw(lettered)
    same = rng.choice(choices[0])
    for block, readable in zip(group, choices, strict=True):
        _draw(draw, block, same if same in readable and rng.random() < 0.6 else rng.choice(readable))
    return lettered


def letter_cover(art: Image.Image, album: Album, palette: list[Rgb], rng: random.Random) -> Image.Image:
    """``art`` with the album's artist and title set on it."""
    side = art.width
    margin = side * rng.uniform(*MARGIN)
    stacked = rng.random() < 0.65
    names = _set_names(album, side, margin, stacked=stacked, rng=rng)
    groups = _arrange(names, side, margin, stacked=stacked, rng=rng)
    pad = round(max(MIN_TEXT_PIXELS, side * MIN_TEXT) * rng.uniform(0.4, 0.9))
    lettered = art
    for group in groups:
        lettered = _ink(lettered, group, palette, pad, rng)
    return lettered

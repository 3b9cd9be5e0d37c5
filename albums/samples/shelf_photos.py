"""Rendering synthetic shelf photos: six covers in a 2×3 or 3×2 grid.

Everything random comes from ``random.Random(seed)``, so a seed always gives
the same photos and truth on a machine with the same fonts. The photos vary
what a real one varies: cover size, gaps, background, colours, fonts, text
placement, a few degrees of tilt per cover, shadows, uneven light, blur,
sensor noise and JPEG compression.

Two styles exist so accuracy can be measured on covers that do not look like
the ones the provider was tuned on: ``default`` centres the text in DejaVu
fonts; ``alternate`` uses other fonts (Pillow's bundled Aileron, condensed
and mono faces), puts the text in the lower left or the title big in the
middle, textured backgrounds, touching covers, stronger tilt and blur.
"""

from __future__ import annotations

import io
import random
from enum import StrEnum
from functools import cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from album_registry.catalog import FuzzyAlbumCatalog, load_album_catalog
from albums.samples.invented_albums import invent_album
from albums.samples.truth import TRUTH_FILE_NAME, CoverTruth, ShelfPhotoTruth, ShelfSetTruth

GENERATOR_NAME = "albums.samples.shelf_photos/1"
_FONT_DIRECTORY = Path("/usr/share/fonts")
_DEFAULT_FONT_NAMES = ("DejaVuSans-Bold.ttf", "DejaVuSans.ttf", "DejaVuSerif-Bold.ttf", "DejaVuSerif.ttf")
_ALTERNATE_FONT_NAMES = (
    "DejaVuSansCondensed-Bold.ttf",
    "DejaVuSansMono-Bold.ttf",
    "DejaVuSerifCondensed-Italic.ttf",
    "DejaVuSans-BoldOblique.ttf",
)
# Pillow's own font (Aileron Regular), present wherever Pillow has FreeType.
_PILLOW_FONT = "pillow-default"
_FAMOUS_SHARE = 0.6
_Colour = tuple[int, int, int]
_Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


class ShelfStyle(StrEnum):
    DEFAULT = "default"
    ALTERNATE = "alternate"


@cache
def _font_paths(names: tuple[str, ...]) -> tuple[str, ...]:
    found = {path.name: str(path) for path in _FONT_DIRECTORY.rglob("*.ttf")} if _FONT_DIRECTORY.is_dir() else {}
    return tuple(found[name] for name in names if name in found) + (_PILLOW_FONT,)


def _load_font(name: str, size: int) -> _Font:
    if name == _PILLOW_FONT:
        return ImageFont.load_default(size=size)
    return ImageFont.truetype(name, size=size)


def _font_for(rng: random.Random, fonts: tuple[str, ...], text: str) -> str:
    """A font that has every letter of ``text``.

    Pillow's own font has no accented letters: it would print "Beyonc" and a
    box, and the truth file would no longer say what the cover shows.
    """
    name = rng.choice(fonts)
    if name == _PILLOW_FONT and not text.isascii():
        return fonts[0]
    return name


def _luminance(colour: _Colour) -> float:
    red, green, blue = colour
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def _random_colour(rng: random.Random) -> _Colour:
    return (rng.randint(0, 255), rng.randint(0, 255), rng.randint(0, 255))


def _mix(first: _Colour, second: _Colour, share: float) -> _Colour:
    return tuple(round(a * (1 - share) + b * share) for a, b in zip(first, second, strict=True))  # type: ignore[return-value]


def _text_colour(rng: random.Random, background: _Colour) -> _Colour:
    """Dark on light, light on dark, sometimes tinted, always readable."""
    if _luminance(background) > 128:
        return (rng.randint(0, 40), rng.randint(0, 40), rng.randint(0, 60))
    return (rng.randint(225, 255), rng.randint(220, 255), rng.randint(200, 255))


def _wrap(draw: ImageDraw.ImageDraw, text: str, font: _Font, width: int) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        candidate = f"{lines[-1]} {word}" if lines else word
        if lines and draw.textlength(candidate, font=font) <= width:
            lines[-1] = candidate
        else:
            lines.append(word)
    return lines


def _fitted_text(
    draw: ImageDraw.ImageDraw, text: str, font_name: str, size: int, width: int, max_lines: int
) -> tuple[_Font, list[str], int]:
    """The largest font no bigger than ``size`` whose wrapped lines fit."""
    while True:
        font = _load_font(font_name, size)
        lines = _wrap(draw, text, font, width)
        widest = max(draw.textlength(line, font=font) for line in lines)
        if (len(lines) <= max_lines and widest <= width) or size <= 12:
            return font, lines, round(size * 1.2)
        size -= 2


def _paint_cover_background(rng: random.Random, size: int, base: _Colour) -> Image.Image:
    cover = Image.new("RGB", (size, size), base)
    draw = ImageDraw.Draw(cover)
    accent = _mix(base, _random_colour(rng), 0.35)
    pattern = rng.choice(("solid", "gradient", "split", "circle", "stripes", "frame"))
    if pattern == "gradient":
        for row in range(size):
            draw.line([(0, row), (size, row)], fill=_mix(base, accent, row / size))
    elif pattern == "split":
        draw.rectangle([0, round(size * rng.uniform(0.35, 0.65)), size, size], fill=accent)
    elif pattern == "circle":
        radius = round(size * rng.uniform(0.18, 0.32))
        centre = (round(size * rng.uniform(0.35, 0.65)), round(size * 0.5))
        draw.ellipse([centre[0] - radius, centre[1] - radius, centre[0] + radius, centre[1] + radius], fill=accent)
    elif pattern == "stripes":
        step = rng.randint(10, 28)
        for offset in range(0, size, step * 2):
            draw.rectangle([offset, 0, offset + step - 1, size], fill=accent)
    elif pattern == "frame":
        inset = round(size * 0.05)
        draw.rectangle([inset, inset, size - inset, size - inset], outline=accent, width=max(2, size // 60))
    return cover


def _render_cover(rng: random.Random, size: int, artist: str, title: str, style: ShelfStyle) -> Image.Image:
    base = _random_colour(rng)
    cover = _paint_cover_background(rng, size, base)
    draw = ImageDraw.Draw(cover)
    fonts = _font_paths(_ALTERNATE_FONT_NAMES if style is ShelfStyle.ALTERNATE else _DEFAULT_FONT_NAMES)
    if rng.random() < 0.4:
        artist = artist.upper()
    if rng.random() < 0.4:
        title = title.upper()
    colour = _text_colour(rng, base)
    margin = round(size * 0.08)
    width = size - 2 * margin
    artist_font, artist_lines, artist_step = _fitted_text(
        draw, artist, _font_for(rng, fonts, artist), round(size * rng.uniform(0.07, 0.11)), width, 2
    )
    title_font, title_lines, title_step = _fitted_text(
        draw, title, _font_for(rng, fonts, title), round(size * rng.uniform(0.08, 0.13)), width, 3
    )
    placement = rng.choice(("bottom-left", "title-centre")) if style is ShelfStyle.ALTERNATE else "centred"
    anchor_x = margin if placement == "bottom-left" else size // 2
    anchor = "la" if placement == "bottom-left" else "ma"
    if placement == "centred":
        artist_top = round(size * rng.uniform(0.07, 0.2))
        title_top = max(
            artist_top + artist_step * len(artist_lines) + round(size * 0.06),
            round(size * rng.uniform(0.5, 0.62)) if rng.random() < 0.5 else 0,
        )
    elif placement == "bottom-left":
        title_top = size - margin - title_step * len(title_lines)
        artist_top = title_top - round(size * 0.04) - artist_step * len(artist_lines)
    else:
        artist_top = margin
        title_top = max(size // 2 - title_step * len(title_lines) // 2, artist_top + artist_step * 2)
    for index, line in enumerate(artist_lines):
        draw.text((anchor_x, artist_top + index * artist_step), line, font=artist_font, fill=colour, anchor=anchor)
    for index, line in enumerate(title_lines):
        draw.text((anchor_x, title_top + index * title_step), line, font=title_font, fill=colour, anchor=anchor)
    return cover


def _background(rng: random.Random, width: int, height: int, style: ShelfStyle) -> Image.Image:
    kinds = ("solid", "gradient", "wood", "texture") if style is ShelfStyle.ALTERNATE else ("solid", "gradient", "wood")
    kind = rng.choice(kinds)
    base = np.array(_random_colour(rng), dtype=np.float32)
    rows = np.linspace(0.0, 1.0, height, dtype=np.float32)[:, None, None]
    columns = np.linspace(0.0, 1.0, width, dtype=np.float32)[None, :, None]
    pixels = np.broadcast_to(base, (height, width, 3)).astype(np.float32)
    if kind == "gradient":
        other = np.array(_random_colour(rng), dtype=np.float32)
        pixels = base * (1 - rows) + other * rows + 0 * columns
    elif kind == "wood":
        brown = np.array([rng.randint(110, 170), rng.randint(70, 110), rng.randint(30, 60)], dtype=np.float32)
        grain = np.sin(rows * rng.uniform(40, 90) + np.sin(columns * rng.uniform(3, 9)) * 2.0)
        pixels = brown * (0.85 + 0.12 * grain) + 0 * columns
    elif kind == "texture":
        noise = np.asarray(Image.effect_noise((width // 8 + 1, height // 8 + 1), 40).resize((width, height)))
        pixels = base * (0.75 + 0.5 * (noise[:, :, None].astype(np.float32) / 255.0))
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "RGB")


def _photo_effects(rng: random.Random, photo: Image.Image, style: ShelfStyle) -> Image.Image:
    """Uneven light, lens blur and sensor noise."""
    width, height = photo.size
    pixels = np.asarray(photo).astype(np.float32)
    light_x, light_y = rng.uniform(0, width), rng.uniform(0, height)
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    distance = np.hypot(xs - light_x, ys - light_y) / max(width, height)
    pixels *= (1.08 - rng.uniform(0.05, 0.25) * distance)[:, :, None]
    pixels += np.random.default_rng(rng.getrandbits(32)).normal(0.0, rng.uniform(0, 7), pixels.shape)
    photo = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "RGB")
    blur = rng.uniform(0.0, 1.6 if style is ShelfStyle.ALTERNATE else 1.0)
    return photo.filter(ImageFilter.GaussianBlur(blur)) if blur > 0.2 else photo


def render_shelf_photo(
    rng: random.Random, covers: list[tuple[str, str]], style: ShelfStyle = ShelfStyle.DEFAULT
) -> tuple[Image.Image, str]:
    """A photo of six covers, given as (artist, title) in reading order."""
    columns, rows = rng.choice(((3, 2), (2, 3)))
    size = rng.randint(190, 320)
    touching = style is ShelfStyle.ALTERNATE and rng.random() < 0.25
    gap = rng.randint(0, 4) if touching else rng.randint(8, 55)
    margin = rng.randint(25, 90)
    tilt = 5.0 if style is ShelfStyle.ALTERNATE else 3.5
    width = 2 * margin + columns * size + (columns - 1) * gap
    height = 2 * margin + rows * size + (rows - 1) * gap
    photo = _background(rng, width, height, style)
    shadow_offset = rng.randint(0, 8)
    for index, (artist, title) in enumerate(covers):
        row, column = divmod(index, columns)
        left = margin + column * (size + gap) + rng.randint(-3, 3)
        top = margin + row * (size + gap) + rng.randint(-3, 3)
        cover = _render_cover(rng, size, artist, title, style).convert("RGBA")
        cover = cover.rotate(rng.uniform(-tilt, tilt), resample=Image.Resampling.BICUBIC, expand=True)
        offset = (cover.width - size) // 2
        if shadow_offset and not touching:
            shadow = Image.new("RGBA", cover.size, (0, 0, 0, 0))
            shadow.putalpha(cover.getchannel("A").point(lambda alpha: alpha * 90 // 255))
            shadow = shadow.filter(ImageFilter.GaussianBlur(4))
            photo.paste(shadow, (left - offset + shadow_offset, top - offset + shadow_offset), shadow)
        photo.paste(cover, (left - offset, top - offset), cover)
    return _photo_effects(rng, photo, style), f"{columns}x{rows}"


def _choose_albums(rng: random.Random, catalog: FuzzyAlbumCatalog) -> list[CoverTruth]:
    famous = catalog.albums
    albums: list[CoverTruth] = []
    for index in range(1, 7):
        if rng.random() < _FAMOUS_SHARE:
            album = rng.choice(famous)
            albums.append(
                CoverTruth(albumIndex=index, artist=album.artist, albumName=album.albumName, year=album.year, famous=True)
            )
        else:
            artist, title = invent_album(rng, catalog)
            albums.append(CoverTruth(albumIndex=index, artist=artist, albumName=title, year=None, famous=False))
    return albums


def _jpeg_bytes(photo: Image.Image, quality: int) -> bytes:
    buffer = io.BytesIO()
    photo.save(buffer, format="JPEG", quality=quality, optimize=True)
    return buffer.getvalue()


def generate_shelf_set(
    out_dir: Path, *, count: int, seed: int, style: ShelfStyle = ShelfStyle.DEFAULT
) -> ShelfSetTruth:
    """Write ``count`` photos and ``truth.json`` into ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    catalog = load_album_catalog()
    images: list[ShelfPhotoTruth] = []
    for number in range(1, count + 1):
        rng = random.Random(f"{seed}/{style}/{number}")
        albums = _choose_albums(rng, catalog)
        photo, layout = render_shelf_photo(rng, [(album.artist, album.albumName) for album in albums], style)
        name = f"shelf-{number:02d}.jpg"
        (out_dir / name).write_bytes(_jpeg_bytes(photo, rng.randint(60, 88)))
        images.append(ShelfPhotoTruth(file=name, layout=layout, albums=albums))
    truth = ShelfSetTruth(generator=GENERATOR_NAME, seed=seed, style=style.value, images=images)
    (out_dir / TRUTH_FILE_NAME).write_text(truth.model_dump_json(indent=2) + "\n", encoding="utf-8")
    return truth

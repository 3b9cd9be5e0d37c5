"""A labelled set of holdout shelf photos: ``shelf-NN.jpg`` and ``truth.json``.

About half the covers on a photo are famous (drawn from ``canon_albums.csv``
without repeats until the list runs out), the rest invented; about
``photo_like_share`` of the photos look photographed, the others clean. Each
photo has its own random streams, seeded from the set's seed and its number;
the same seed and count always give byte-identical files.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from albums.holdout.canon_albums import Album, canon_albums
from albums.holdout.invented_names import invent_album
from albums.holdout.scene import render_shelf_photo
from albums.samples.truth import TRUTH_FILE_NAME, CoverTruth, ShelfPhotoTruth, ShelfSetTruth

GENERATOR = "albums.holdout/1"
STYLE = "holdout"
COVERS = 6
FAMOUS_PER_PHOTO = (2, 3, 3, 3, 4)


def _canon_stream(rng: random.Random) -> Iterator[Album]:
    """The canon in a shuffled order, reshuffled each time it runs out."""
    while True:
        albums = list(canon_albums())
        rng.shuffle(albums)
        yield from albums


def _photo_albums(rng: random.Random, canon: Iterator[Album], taken: set[str]) -> list[Album]:
    """Six albums in shuffled order: some famous (never twice on one photo), the rest invented."""
    famous_count = rng.choice(FAMOUS_PER_PHOTO)
    famous: list[Album] = []
    while len(famous) < famous_count:
        album = next(canon)
        if album not in famous:
            famous.append(album)
    albums = famous + [invent_album(rng, taken) for _ in range(COVERS - famous_count)]
    rng.shuffle(albums)
    return albums


def _cover_truth(index: int, album: Album) -> CoverTruth:
    return CoverTruth(
        albumIndex=index, artist=album.artist, albumName=album.title, year=album.year, famous=album.famous
    )


def generate_holdout_set(out_dir: Path, *, count: int, seed: int, photo_like_share: float = 0.5) -> ShelfSetTruth:
    """Write ``count`` photos and their ``truth.json`` into ``out_dir``; the same seed gives the same bytes."""
    if count < 1:
        raise ValueError(f"count must be at least 1, not {count}")
    if not 0.0 <= photo_like_share <= 1.0:
        raise ValueError(f"photo_like_share must be between 0 and 1, not {photo_like_share}")
    set_rng = random.Random(f"{seed}/set")
    canon = _canon_stream(set_rng)
    photo_like = set(set_rng.sample(range(1, count + 1), round(count * photo_like_share)))
    taken: set[str] = set()
    out_dir.mkdir(parents=True, exist_ok=True)
    images = []
    for number in range(1, count + 1):
        rng = random.Random(f"{seed}/{number}")
        nprng = np.random.default_rng(rng.getrandbits(64))
        albums = _photo_albums(rng, canon, taken)
        photo = render_shelf_photo(albums, photo_like=number in photo_like, rng=rng, nprng=nprng)
        name = f"shelf-{number:02d}.jpg"
        photo.image.save(out_dir / name, "JPEG", quality=photo.quality)
        covers = [_cover_truth(index, album) for index, album in enumerate(albums, start=1)]
        images.append(ShelfPhotoTruth(file=name, layout=photo.layout, albums=covers))
    truth = ShelfSetTruth(generator=GENERATOR, seed=seed, style=STYLE, images=images)
    (out_dir / TRUTH_FILE_NAME).write_text(truth.model_dump_json(indent=2) + "\n", encoding="utf-8")
    return truth

"""The offline provider on generated shelf photos, and what it refuses to read."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

import pytest
from PIL import Image

from local_aws.offline_vision import MAX_IMAGE_BYTES, OfflineVisionProvider, decode_shelf_image
from local_aws.offline_vision.cover_roles import CoverRoles
from local_aws.offline_vision.cover_text import split_artist_and_title
from local_aws.offline_vision.cover_grid import Box
from local_aws.offline_vision.text_reading import TextLine, ocr_engine
from album_registry.catalog import load_album_catalog, normalize_text
from album_registry.domain.errors import ImageRejectedError
from albums.holdout import generate_holdout_set
from albums.samples.evaluation import evaluate_vision

if TYPE_CHECKING:
    from conftest import ReadPhoto


def _names(artist: str, title: str) -> tuple[str, str]:
    return normalize_text(artist), normalize_text(title)


def test_every_photo_gives_six_albums_in_reading_order(read_photos: list[ReadPhoto]) -> None:
    for photo in read_photos:
        assert [album.albumIndex for album in photo.albums] == [1, 2, 3, 4, 5, 6]


def test_most_covers_are_read_right_and_famous_ones_get_their_year(read_photos: list[ReadPhoto]) -> None:
    covers = [(expected, album) for photo in read_photos for expected, album in zip(photo.truth.albums, photo.albums)]
    right = [
        (expected, album)
        for expected, album in covers
        if _names(expected.artist, expected.albumName) == _names(album.artist, album.albumName)
    ]
    assert len(right) >= 0.85 * len(covers), [(e.artist, e.albumName, a.artist, a.albumName) for e, a in covers]
    # A year is only ever given from the catalog, and then it is the album's.
    for expected, album in right:
        assert album.year == expected.year


def test_cover_boxes_follow_the_grid(read_photos: list[ReadPhoto]) -> None:
    for photo in read_photos:
        columns = int(photo.truth.layout.split("x")[0])
        boxes = [album.coverBox for album in photo.albums]
        assert all(box is not None for box in boxes)
        lefts = [box[0] for box in boxes if box is not None]
        tops = [box[1] for box in boxes if box is not None]
        # Reading order: left to right within a row, rows top to bottom.
        for index in range(6):
            if index % columns:
                assert lefts[index] > lefts[index - 1]
            else:
                assert index == 0 or tops[index] > tops[index - 1]


def test_unknown_covers_keep_the_printed_text_with_no_year(read_photos: list[ReadPhoto]) -> None:
    unknown = [
        album
        for photo in read_photos
        for expected, album in zip(photo.truth.albums, photo.albums)
        if not expected.famous
    ]
    assert unknown
    assert all(album.year is None for album in unknown)
    assert all(album.confidence < 0.7 for album in unknown)


def _line(text: str, top: float, height: float) -> TextLine:
    return TextLine.in_box(text=text, score=0.99, box=Box(left=10, top=top, right=200, bottom=top + height))


def test_split_puts_the_break_where_the_typography_changes() -> None:
    catalog = load_album_catalog()
    lines = [
        _line("The Quiet", 10, 30),
        _line("Parades", 42, 30),
        _line("POSTCARDS OF", 100, 40),
        _line("GLASS", 142, 40),
    ]
    assert split_artist_and_title(lines, catalog, CoverRoles.from_catalog(catalog)) == ("The Quiet Parades", "POSTCARDS OF GLASS")


def test_split_recognises_a_known_artist_printed_below_the_title() -> None:
    catalog = load_album_catalog()
    lines = [_line("Blue Morning", 10, 30), _line("JONI MITCHELL", 60, 30)]
    assert split_artist_and_title(lines, catalog, CoverRoles.from_catalog(catalog)) == ("Joni Mitchell", "Blue Morning")


def test_ocr_engine_is_loaded_once_per_process(offline_provider: OfflineVisionProvider) -> None:
    assert ocr_engine() is ocr_engine()


def _jpeg(width: int = 120, height: int = 80) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(buffer, format="JPEG")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty"),
        (b"these are the liner notes, not a photo", "not an image"),
        (_jpeg()[:200], "truncated"),
        (b"\xff\xd8\xff" + b"\0" * (MAX_IMAGE_BYTES + 1), "limit is 20 MB"),
    ],
)
def test_unreadable_files_are_rejected_with_a_reason(data: bytes, reason: str) -> None:
    with pytest.raises(ImageRejectedError, match=reason):
        decode_shelf_image(data)


def test_decompression_bombs_are_rejected_before_decoding() -> None:
    buffer = io.BytesIO()
    Image.new("1", (8000, 6000)).save(buffer, format="PNG")  # 48 megapixels, a few kB
    with pytest.raises(ImageRejectedError, match="megapixels"):
        decode_shelf_image(buffer.getvalue())


def test_provider_rejects_a_non_image_before_reading(offline_provider: OfflineVisionProvider) -> None:
    with pytest.raises(ImageRejectedError):
        offline_provider.read_covers(b"GIF89a but not really")


def test_a_photo_without_covers_gives_empty_albums_not_an_error(offline_provider: OfflineVisionProvider) -> None:
    albums = offline_provider.read_covers(_jpeg(600, 400))
    assert len(albums) == 6
    assert all(album.artist == "" and album.albumName == "" and album.confidence == 0.0 for album in albums)


def test_photos_from_the_independent_generator_are_mostly_read_right(
    tmp_path_factory: pytest.TempPathFactory, offline_provider: OfflineVisionProvider
) -> None:
    """The holdout generator was written apart from the reader: a guard against tuning to our own photos."""
    directory = tmp_path_factory.mktemp("holdout")
    generate_holdout_set(directory, count=3, seed=9003)
    result = evaluate_vision(lambda: offline_provider, directory)
    assert result.alwaysSix
    assert result.namesRight >= 0.8 * result.covers, result.misses
    assert result.famousYearsRight >= 0.9 * result.famousCovers, result.misses

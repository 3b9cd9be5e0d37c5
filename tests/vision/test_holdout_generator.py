"""The holdout shelf-photo generator: deterministic, labelled right, and its own albums and fonts."""

from __future__ import annotations

import csv
import io
import random
from importlib import resources
from pathlib import Path

import pytest
from PIL import Image

from albums.cli import main
from albums.holdout import GENERATOR, STYLE, HoldoutFontsMissing, canon_albums, generate_holdout_set, name_key
from albums.holdout import fonts, invented_names
from albums.holdout.canon_albums import CANON_CSV, canon_name_keys
from albums.samples import ShelfSetTruth, read_truth

SEED = 7


@pytest.fixture(scope="module")
def holdout_set(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, ShelfSetTruth]:
    directory = tmp_path_factory.mktemp("holdout")
    return directory, generate_holdout_set(directory, count=2, seed=SEED)


def test_the_same_seed_gives_byte_identical_photos_and_truth(
    holdout_set: tuple[Path, ShelfSetTruth], tmp_path: Path
) -> None:
    directory, _ = holdout_set
    generate_holdout_set(tmp_path, count=2, seed=SEED)
    names = sorted(path.name for path in directory.iterdir())
    assert names == sorted(path.name for path in tmp_path.iterdir())
    assert names == ["shelf-01.jpg", "shelf-02.jpg", "truth.json"]
    for name in names:
        assert (directory / name).read_bytes() == (tmp_path / name).read_bytes(), name


def test_another_seed_gives_other_photos(holdout_set: tuple[Path, ShelfSetTruth], tmp_path: Path) -> None:
    directory, truth = holdout_set
    other = generate_holdout_set(tmp_path, count=1, seed=SEED + 1)
    assert (directory / "shelf-01.jpg").read_bytes() != (tmp_path / "shelf-01.jpg").read_bytes()
    assert other.images[0].albums != truth.images[0].albums


def test_truth_file_is_valid_and_matches_the_photos(holdout_set: tuple[Path, ShelfSetTruth]) -> None:
    directory, truth = holdout_set
    assert read_truth(directory) == truth
    assert (truth.generator, truth.seed, truth.style) == (GENERATOR, SEED, STYLE)
    for image in truth.images:
        assert [album.albumIndex for album in image.albums] == [1, 2, 3, 4, 5, 6]
        assert image.layout in ("3x2", "2x3")
        with Image.open(directory / image.file) as photo:
            assert photo.format == "JPEG"
            assert (photo.width > photo.height) == (image.layout == "3x2")
            assert 850 <= max(photo.size) <= 3000


def test_famous_covers_come_from_the_canon_and_invented_ones_do_not(holdout_set: tuple[Path, ShelfSetTruth]) -> None:
    _, truth = holdout_set
    canon = {(album.artist, album.title, album.year) for album in canon_albums()}
    for image in truth.images:
        famous = [album for album in image.albums if album.famous]
        assert 2 <= len(famous) <= 4
        for album in image.albums:
            if album.famous:
                assert (album.artist, album.albumName, album.year) in canon
            else:
                assert album.year is None
                assert name_key(album.artist) not in canon_name_keys()
                assert name_key(album.albumName) not in canon_name_keys()


def test_canon_csv_has_200_unique_albums_with_release_years() -> None:
    text = resources.files("albums.holdout").joinpath(CANON_CSV).read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) >= 200
    assert len({(row["artist"], row["title"]) for row in rows}) == len(rows)
    years = [int(row["year"]) for row in rows]
    assert all(1950 <= year <= 2025 for year in years)
    assert {year // 10 * 10 for year in years} >= {1950, 1960, 1970, 1980, 1990, 2000, 2010, 2020}
    assert len(canon_albums()) == len(rows)


def test_invented_albums_are_varied_and_never_canon() -> None:
    rng, taken = random.Random(11), set()
    albums = [invented_names.invent_album(rng, taken) for _ in range(600)]
    assert len({(album.artist, album.title) for album in albums}) == len(albums)
    for album in albums:
        assert not album.famous and album.year is None
        assert name_key(album.artist) not in canon_name_keys() and name_key(album.title) not in canon_name_keys()
    artists, titles = [album.artist for album in albums], [album.title for album in albums]
    assert any(" " not in artist for artist in artists)
    assert any(artist.startswith(("DJ ", "MC ")) for artist in artists)
    assert any(" the " in artist and (" and " in artist or " & " in artist) for artist in artists)
    assert any(artist.endswith(("Trio", "Quartet")) for artist in artists)
    assert any(any(char.isdigit() for char in title) for title in titles)
    assert any(" " not in title for title in titles)
    assert any(len(title.split()) >= 5 for title in titles)
    assert any("&" in title for title in titles)
    assert any(not (artist + title).isascii() for artist, title in zip(artists, titles, strict=True))


def _words_of_invented_names() -> str:
    lists = [
        value for value in vars(invented_names).values()
        if isinstance(value, tuple) and value and isinstance(value[0], str)
    ]
    return "".join(word for words in lists for word in words)


def test_every_face_draws_every_letter_the_names_use() -> None:
    letters = sorted(set("".join(album.artist + album.title for album in canon_albums()) + _words_of_invented_names()))
    letters = [letter for letter in letters if not letter.isspace()]
    for face in fonts.installed_faces():
        font = fonts.load_font(face, 40)
        missing = font.getmask("\U0010ffff")
        blank = (missing.size, bytes(missing))
        undrawn = [letter for letter in letters if (font.getmask(letter).size, bytes(font.getmask(letter))) == blank]
        assert not undrawn, f"{face.file} has no glyph for {undrawn}"


def test_a_missing_font_package_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    absent = fonts.FontFace("font-not-installed", "Absent-Regular.ttf", "sans", "regular")
    monkeypatch.setattr(fonts, "FACES", (*fonts.FACES, absent))
    fonts.installed_faces.cache_clear()
    try:
        with pytest.raises(HoldoutFontsMissing, match="font-not-installed"):
            fonts.installed_faces()
    finally:
        monkeypatch.undo()
        fonts.installed_faces.cache_clear()


def test_a_photo_like_share_outside_0_to_1_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="photo_like_share"):
        generate_holdout_set(tmp_path, count=1, seed=1, photo_like_share=1.5)


def test_samples_holdout_writes_photos_and_truth(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["samples", "holdout", str(tmp_path), "--count", "1", "--seed", "3"]) == 0
    truth = read_truth(tmp_path)
    assert [image.file for image in truth.images] == ["shelf-01.jpg"]
    assert (tmp_path / "shelf-01.jpg").is_file()
    assert truth.generator == GENERATOR and truth.seed == 3
    assert "wrote 1 holdout photos" in capsys.readouterr().out

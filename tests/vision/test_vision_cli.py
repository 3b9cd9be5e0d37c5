"""``albums extract``, ``albums eval-vision`` and ``albums samples generate``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from albums.cli import main
from albums.samples import read_truth


def test_extract_json_prints_only_six_albums(shelf_sets: list[Path], capsys: pytest.CaptureFixture[str]) -> None:
    photo = shelf_sets[0] / read_truth(shelf_sets[0]).images[0].file
    assert main(["extract", str(photo), "--provider", "offline", "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert list(printed) == ["albums"]
    assert [album["albumIndex"] for album in printed["albums"]] == [1, 2, 3, 4, 5, 6]
    for album in printed["albums"]:
        assert {"albumIndex", "artist", "albumName", "year", "confidence"} <= album.keys()


def test_extract_without_json_lists_the_albums(shelf_sets: list[Path], capsys: pytest.CaptureFixture[str]) -> None:
    photo = shelf_sets[0] / read_truth(shelf_sets[0]).images[0].file
    assert main(["extract", str(photo)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(".")[0] for line in lines] == ["1", "2", "3", "4", "5", "6"]


def _one_line_failure(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    assert main(argv) != 0
    captured = capsys.readouterr()
    assert captured.out == ""
    assert len(captured.err.strip().splitlines()) == 1
    return captured.err


def test_extract_of_a_missing_file_fails_with_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert "no such file" in _one_line_failure(["extract", str(tmp_path / "absent.jpg"), "--json"], capsys)


def test_extract_of_a_text_file_fails_with_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    notes = tmp_path / "notes.jpg"
    notes.write_text("side A: 1. Speak to Me")
    assert "not an image" in _one_line_failure(["extract", str(notes), "--json"], capsys)


def test_extract_of_a_file_over_20_mb_fails_with_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    huge = tmp_path / "huge.jpg"
    with huge.open("wb") as handle:
        handle.truncate(21 * 1024 * 1024)  # sparse: no 21 MB written to disk
    assert "20 MB" in _one_line_failure(["extract", str(huge), "--json"], capsys)


def test_samples_generate_writes_photos_and_truth(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["samples", "generate", str(tmp_path), "--count", "2", "--seed", "5"]) == 0
    truth = read_truth(tmp_path)
    assert [image.file for image in truth.images] == ["shelf-01.jpg", "shelf-02.jpg"]
    assert all(len(image.albums) == 6 for image in truth.images)
    assert all((tmp_path / image.file).stat().st_size < 150_000 for image in truth.images)


def test_samples_are_deterministic(tmp_path: Path) -> None:
    for name in ("first", "second"):
        assert main(["samples", "generate", str(tmp_path / name), "--count", "1", "--seed", "8"]) == 0
    assert (tmp_path / "first" / "shelf-01.jpg").read_bytes() == (tmp_path / "second" / "shelf-01.jpg").read_bytes()
    assert (tmp_path / "first" / "truth.json").read_text() == (tmp_path / "second" / "truth.json").read_text()


def test_eval_vision_prints_accuracy_and_speed(shelf_sets: list[Path], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval-vision", str(shelf_sets[0])]) == 0
    out = capsys.readouterr().out
    assert "six albums every time: yes" in out
    assert "artist and title right:" in out
    assert "year right on famous albums:" in out
    assert "seconds per image:" in out

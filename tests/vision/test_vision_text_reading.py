"""Word breaks from the recogniser's own probabilities, and covers set at a tilt."""

from __future__ import annotations

import math

import numpy as np
import pytest
from rapidocr_onnxruntime.ch_ppocr_rec.utils import CTCLabelDecode

from local_aws.offline_vision.cover_grid import Box
from local_aws.offline_vision.cover_roles import CoverRoles
from local_aws.offline_vision.cover_text import level, merge_rows, split_artist_and_title
from local_aws.offline_vision.lexicon import Lexicon
from local_aws.offline_vision.text_reading import TextLine, WordBreakDecoder, ocr_engine
from album_registry.catalog import load_album_catalog

_ALPHABET = list("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
ENGLISH = Lexicon()


def _frames(text: str, *, space_share: float) -> tuple[CTCLabelDecode, np.ndarray]:
    """Recogniser output for ``text``: one frame a letter, a blank between.

    Each blank frame between the two halves of a ``|`` gives a space
    ``space_share`` of its probability, never the most.
    """
    decoder = CTCLabelDecode(character=list(_ALPHABET))
    symbols = decoder.character
    frames = []
    for position, character in enumerate(text):
        if character == "|":
            continue
        frame = np.full(len(symbols), 0.001, np.float32)
        frame[symbols.index(character)] = 0.9
        frames.append(frame)
        gap = np.full(len(symbols), 0.001, np.float32)
        gap[0] = 0.9
        if text[position + 1 : position + 2] == "|":
            gap[symbols.index(" ")] = space_share
        frames.append(gap)
    return decoder, np.stack(frames)[np.newaxis]


@pytest.mark.parametrize(
    ("printed", "space_share", "expected"),
    [
        ("THE|WHO", 0.2, "THE WHO"),
        ("THE|WHO", 0.05, "THE WHO"),
        ("THE|WHO", 0.001, "THEWHO"),
        # Letters set wide: a weak space inside a word is no break...
        ("SIL|VER", 0.05, "SILVER"),
        # ...but a space the recogniser is sure of stays, whatever the word list says.
        ("DAY|LIGHT", 0.6, "DAY LIGHT"),
        ("DAY|LIGHT", 0.05, "DAYLIGHT"),
    ],
)
def test_a_likely_but_outvoted_space_becomes_a_word_break(printed: str, space_share: float, expected: str) -> None:
    decoder, frames = _frames(printed, space_share=space_share)
    [(text, score)] = WordBreakDecoder(decoder, ENGLISH)(frames)
    assert text == expected
    # The letters and the score are the recogniser's own.
    [(plain, plain_score)] = decoder(frames)
    assert text.replace(" ", "") == plain and score == plain_score


def test_spaces_the_recogniser_reads_are_kept_once() -> None:
    decoder = CTCLabelDecode(character=list(_ALPHABET))
    symbols = decoder.character
    picks = ["A", "blank", " ", "blank", "B"]
    frames = np.full((1, len(picks), len(symbols)), 0.001, np.float32)
    for index, symbol in enumerate(picks):
        frames[0, index, symbols.index(symbol)] = 0.9
        frames[0, index, symbols.index(" ")] = max(frames[0, index, symbols.index(" ")], 0.2)
    [(text, _)] = WordBreakDecoder(decoder, ENGLISH)(frames)
    assert text == "A B"


def _tilted(text: str, *, left: float, top: float, width: float, height: float, degrees: float) -> TextLine:
    """A line as OCR finds it on a cover turned by ``degrees`` about (0, 0)."""
    level_line = TextLine.in_box(text=text, score=0.99, box=Box(left=left, top=top, right=left + width, bottom=top + height))
    return level_line.turned(math.radians(degrees), about=(0.0, 0.0))


def test_a_tilted_cover_is_read_as_the_level_one() -> None:
    # Artist and title in one typeface, told apart only by the wider gap above the title.
    lines = [
        _tilted("The Wandering", left=20, top=100, width=190, height=30, degrees=4),
        _tilted("Engines", left=20, top=132, width=105, height=30, degrees=4),
        _tilted("Mornings of", left=20, top=178, width=150, height=30, degrees=4),
        _tilted("Glass", left=20, top=210, width=70, height=30, degrees=4),
    ]
    # At this tilt the lines' upright boxes overlap their neighbours'.
    assert lines[0].box.bottom > lines[1].box.top
    levelled = merge_rows(level(lines))
    assert [row.text for row in levelled] == ["The Wandering", "Engines", "Mornings of", "Glass"]
    assert split_artist_and_title(levelled, load_album_catalog(), CoverRoles.from_catalog(load_album_catalog())) == ("The Wandering Engines", "Mornings of Glass")


def test_turning_a_line_back_restores_its_corners() -> None:
    line = TextLine.in_box(text="Kind of Blue", score=0.9, box=Box(left=10, top=20, right=110, bottom=40))
    there_and_back = line.turned(0.3, about=(50.0, 50.0)).turned(-0.3, about=(50.0, 50.0))
    assert np.allclose(there_and_back.corners, line.corners)
    assert line.turned(math.radians(5), about=(0.0, 0.0)).angle == pytest.approx(math.radians(5))


def test_every_ocr_session_runs_on_one_thread() -> None:
    """Parallel reads come from concurrent workers; a session that spins a thread per
    core makes every concurrent worker spin on every core (twice the CPU per read)."""
    engine = ocr_engine()
    sessions = (engine.text_det.infer.session, engine.text_cls.infer.session, engine.text_rec.session.session)
    for session in sessions:
        options = session.get_session_options()
        assert (options.intra_op_num_threads, options.inter_op_num_threads) == (1, 1)

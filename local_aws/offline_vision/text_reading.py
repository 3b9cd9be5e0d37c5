"""Reading the lines of text in a photo with RapidOCR (PP-OCRv4, ONNX).

The models ship inside the ``rapidocr_onnxruntime`` wheel; the engine is built
once per process (about half a second) and reused.

The recogniser often drops the space between words set in capitals
("THEWHO"): its greedy decoding keeps a space only where the space is the most
likely symbol of a frame. Between two letters of one word the model gives a
space almost no probability; between two words it gives it a clear share even
when it loses to "blank". The decoder below hands those shares to
``word_breaks``, which weighs them against English word frequencies.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from itertools import groupby
from typing import Any

import numpy as np
from rapidocr_onnxruntime import RapidOCR
from rapidocr_onnxruntime.ch_ppocr_rec.utils import CTCLabelDecode

from local_aws.offline_vision.cover_grid import Box
from local_aws.offline_vision.lexicon import Lexicon
from local_aws.offline_vision.word_breaks import SURE_BREAK_PROBABILITY, split_words
from local_aws.offline_vision.word_spelling import respelled
from album_registry.catalog import load_album_catalog

# The recogniser's alphabet is Chinese and English; covers here are Latin.
_CJK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]")
_MIN_LINE_SCORE = 0.5
# The detector's mean score over a box; its default (0.5) drops short lines
# in small type, a lone "4" or "XX", which the line score still vets.
_MIN_BOX_SCORE = 0.3
_BLANK = 0


Point = tuple[float, float]


@dataclass(frozen=True)
class TextLine:
    """A line as read, with its four corners: top left, top right, bottom right, bottom left."""

    text: str
    score: float
    corners: tuple[Point, Point, Point, Point]

    @classmethod
    def in_box(cls, *, text: str, score: float, box: Box) -> TextLine:
        """A line lying level in ``box``."""
        return cls(
            text=text,
            score=score,
            corners=((box.left, box.top), (box.right, box.top), (box.right, box.bottom), (box.left, box.bottom)),
        )

    @property
    def box(self) -> Box:
        xs = [x for x, _ in self.corners]
        ys = [y for _, y in self.corners]
        return Box(left=min(xs), top=min(ys), right=max(xs), bottom=max(ys))

    @property
    def height(self) -> float:
        return self.box.bottom - self.box.top

    @property
    def angle(self) -> float:
        """The slope of the line's top edge, in radians (positive: falling to the right)."""
        (left_x, left_y), (right_x, right_y) = self.corners[0], self.corners[1]
        return math.atan2(right_y - left_y, right_x - left_x)

    def turned(self, radians: float, *, about: Point) -> TextLine:
        """The same line with its corners rotated by ``radians`` around ``about``."""
        cos, sin = math.cos(radians), math.sin(radians)
        centre_x, centre_y = about
        corners = tuple(
            (
                centre_x + (x - centre_x) * cos - (y - centre_y) * sin,
                centre_y + (x - centre_x) * sin + (y - centre_y) * cos,
            )
            for x, y in self.corners
        )
        return TextLine(text=self.text, score=self.score, corners=corners)  # type: ignore[arg-type]


class WordBreakDecoder:
    """RapidOCR's CTC decoding, plus the spaces the model was unsure of.

    Takes the place of the recogniser's own decoder and returns what it
    returns, ``(text, score)`` per line, with the same letters and score.
    """

    def __init__(self, decoder: CTCLabelDecode, lexicon: Lexicon) -> None:
        self._decoder = decoder
        self._lexicon = lexicon
        self._characters: Sequence[str] = decoder.character
        self._symbols = {character: column for column, character in enumerate(self._characters)}
        self._space = self._symbols[" "]

    def __call__(self, preds: np.ndarray, return_word_box: bool = False, **kwargs: Any) -> list[Any]:
        decoded = self._decoder(preds, return_word_box, **kwargs)
        if return_word_box:
            return decoded
        return [(self._read_line(frames), result[1]) for frames, result in zip(preds, decoded, strict=True)]

    def _read_line(self, frames: np.ndarray) -> str:
        best = frames.argmax(axis=1)
        run_starts = np.flatnonzero(np.concatenate([[True], best[1:] != best[:-1]]))
        run_ends = np.concatenate([run_starts[1:], [len(best)]])
        # Each letter the greedy reading emits, with the frames it holds.
        letters: list[tuple[str, int, int]] = []
        sure_breaks: set[int] = set()
        for first, end in zip(run_starts, run_ends, strict=True):
            character = self._characters[best[first]]
            if best[first] == _BLANK:
                continue
            if character == " ":
                sure_breaks.add(len(letters))
                continue
            letters.append((character, int(first), int(end)))
        # The space's best share of the frames between each letter and the next.
        gaps = [
            float(frames[left[2] : right[1], self._space].max(initial=0.0)) for left, right in zip(letters, letters[1:], strict=False)
        ]
        # Runs of letters with no sure break inside, each split into its likeliest words.
        words: list[tuple[int, int]] = []
        run_start = 0
        for position in range(1, len(letters) + 1):
            if position < len(letters) and position not in sure_breaks and gaps[position - 1] < SURE_BREAK_PROBABILITY:
                continue
            run = "".join(letter for letter, _, _ in letters[run_start:position])
            offset = run_start
            for word in split_words(run, gaps[run_start : position - 1], self._lexicon):
                words.append((offset, offset + len(word)))
                offset += len(word)
            run_start = position
        spelled = []
        for start, stop in words:
            word = ""
            # Letters and digits are respelled a run at a time: "Ink&lron" is "Ink", "&", "lron".
            for alphanumeric, group in groupby(range(start, stop), key=lambda position: letters[position][0].isalnum()):
                positions = list(group)
                reading = "".join(letters[position][0] for position in positions)
                if alphanumeric:
                    # The run's own frames and the gaps either side of it.
                    first, last = positions[0], positions[-1]
                    window_start = letters[first - 1][2] if first > 0 else 0
                    window_stop = letters[last + 1][1] if last + 1 < len(letters) else len(frames)
                    reading = respelled(
                        reading,
                        frames[window_start:window_stop],
                        self._symbols,
                        blank_columns=(_BLANK, self._space),
                        lexicon=self._lexicon,
                    )
                word += reading
            spelled.append(word)
        return " ".join(spelled)


@cache
def ocr_engine() -> RapidOCR:
    """The OCR engine, loaded once per process.

    One ONNX Runtime thread per session: a reading process serves one read
    at a time, and parallelism comes from the stack's pool of readers. With
    ONNX Runtime's default (a spinning thread per core) every concurrent
    worker spun on every core, and a read cost twice the CPU: 2.05 against
    1.08 CPU-s for samples/shelf-01.jpg on the 2-core build machine.
    """
    engine = RapidOCR(
        text_score=_MIN_LINE_SCORE,
        det_box_thresh=_MIN_BOX_SCORE,
        intra_op_num_threads=1,
        inter_op_num_threads=1,
    )
    engine.text_rec.postprocess_op = WordBreakDecoder(
        engine.text_rec.postprocess_op, Lexicon.for_catalog(load_album_catalog())
    )
    return engine


def read_text_lines(bgr: np.ndarray) -> list[TextLine]:
    """Every line of text found, with its box in the image's coordinates."""
    results, _ = ocr_engine()(bgr)
    lines = []
    for points, text, score in results or []:
        latin = " ".join(_CJK.sub(" ", text).split())
        if not latin:
            continue
        corners = tuple((float(x), float(y)) for x, y in points)
        lines.append(TextLine(text=latin, score=float(score), corners=corners))  # type: ignore[arg-type]
    return lines

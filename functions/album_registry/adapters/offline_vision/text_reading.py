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
from typing import Any

import numpy as np
from rapidocr_onnxruntime import RapidOCR
from rapidocr_onnxruntime.ch_ppocr_rec.utils import CTCLabelDecode

from album_registry.adapters.offline_vision.cover_grid import Box
from album_registry.adapters.offline_vision.word_breaks import SURE_BREAK_PROBABILITY, split_words

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

    def __init__(self, decoder: CTCLabelDecode) -> None:
        self._decoder = decoder
        self._characters: Sequence[str] = decoder.character
        self._space = self._characters.index(" ")

    def __call__(self, preds: np.ndarray, return_word_box: bool = False, **kwargs: Any) -> list[Any]:
        decoded = self._decoder(preds, return_word_box, **kwargs)
        if return_word_box:
            return decoded
        return [(self._spaced_text(frames), result[1]) for frames, result in zip(preds, decoded, strict=True)]

    def _spaced_text(self, frames: np.ndarray) -> str:
        best = frames.argmax(axis=1)
        kept = np.flatnonzero((best != _BLANK) & np.concatenate([[True], best[1:] != best[:-1]]))
        runs: list[tuple[str, list[float]]] = []
        letters, breaks = "", []
        previous: int | None = None
        for frame in kept:
            character = self._characters[best[frame]]
            if character == " ":
                previous = None
                continue
            between = frames[previous + 1 : frame, self._space] if previous is not None else None
            probability = float(between.max()) if between is not None and len(between) else 0.0
            if previous is None or probability >= SURE_BREAK_PROBABILITY:
                if letters:
                    runs.append((letters, breaks))
                letters, breaks = character, []
            else:
                letters += character
                breaks.append(probability)
            previous = frame
        if letters:
            runs.append((letters, breaks))
        return " ".join(word for run in runs for word in split_words(*run))


@cache
def ocr_engine() -> RapidOCR:
    """The OCR engine, loaded once per process."""
    engine = RapidOCR(text_score=_MIN_LINE_SCORE, det_box_thresh=_MIN_BOX_SCORE)
    engine.text_rec.postprocess_op = WordBreakDecoder(engine.text_rec.postprocess_op)
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

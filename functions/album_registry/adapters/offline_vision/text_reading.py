"""Reading the lines of text in a photo with RapidOCR (PP-OCRv4, ONNX).

The models ship inside the ``rapidocr_onnxruntime`` wheel; the engine is built
once per process (about half a second) and reused.

The recogniser often drops the space between words set in capitals
("THEWHO"). Where the ink of a line shows clearly wider gaps than it has
spaces, the line is read again word by word and the words are joined with
spaces, provided that reading agrees with the first one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

import cv2
import numpy as np
from rapidocr_onnxruntime import RapidOCR

from album_registry.adapters.offline_vision.cover_grid import Box

# A blank run of ink columns is a space between words when it is this wide
# relative to the line's ink height, and this many times the line's median
# gap between letters (fonts and letter pairs vary; spaces stand out).
_WORD_GAP_SHARE = 0.24
_WORD_GAP_OVER_MEDIAN = 2.5
_VOWELS = frozenset("aeiouyAEIOUY")
# The recogniser's alphabet is Chinese and English; covers here are Latin.
_CJK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]")
_MIN_LINE_SCORE = 0.5


@dataclass(frozen=True)
class TextLine:
    text: str
    score: float
    box: Box

    @property
    def height(self) -> float:
        return self.box.bottom - self.box.top


@cache
def ocr_engine() -> RapidOCR:
    """The OCR engine, loaded once per process."""
    return RapidOCR(text_score=_MIN_LINE_SCORE)


def _word_gaps(crop: np.ndarray) -> list[tuple[int, int]]:
    """Blank column runs inside the line wide enough to be spaces."""
    gray = cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY)
    _, binary = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    ink = binary > 0
    if ink.mean() > 0.5:
        ink = ~ink
    row_counts = ink.sum(axis=1)
    inked_rows = np.flatnonzero(row_counts > 0.02 * ink.shape[1])
    if len(inked_rows) < 4:
        return []
    ink_height = inked_rows[-1] - inked_rows[0] + 1
    column_counts = ink[inked_rows[0] : inked_rows[-1] + 1].sum(axis=0)
    # Blur leaves faint ink in the gaps: a column needs a real stroke to count.
    inked = column_counts >= max(2, round(0.12 * ink_height))
    inked_columns = np.flatnonzero(inked)
    if len(inked_columns) < 2:
        return []
    blank_runs = []
    start = None
    for column in range(inked_columns[0], inked_columns[-1] + 1):
        if not inked[column] and start is None:
            start = column
        elif inked[column] and start is not None:
            blank_runs.append((start, column))
            start = None
    if not blank_runs:
        return []
    typical = float(np.median([end - begin for begin, end in blank_runs]))
    threshold = max(_WORD_GAP_SHARE * ink_height, _WORD_GAP_OVER_MEDIAN * typical)
    return [(begin, end) for begin, end in blank_runs if end - begin >= threshold]


def _word_like(text: str) -> bool:
    """A piece that can stand as a word: with a vowel, a number, a lone sign or "A".

    Other single letters are far more often a letter split off its word (and
    read as "I") than a word of their own.
    """
    if len(text) == 1:
        return not text.isalpha() or text in "aA"
    return any(character in _VOWELS for character in text) or text.isdigit()


def _joined_words(pieces: list[str]) -> list[str]:
    """Pieces glued back together where a gap split a word (``T`` + ``he``)."""
    words: list[str] = []
    for piece in pieces:
        if words and (not _word_like(words[-1]) or not _word_like(piece)):
            words[-1] += piece
        else:
            words.append(piece)
    return words


def _word_starts(words: list[str]) -> set[int]:
    """Offsets, in the text without spaces, where the second and later words start."""
    starts, offset = set(), 0
    for word in words[:-1]:
        offset += len(word)
        starts.add(offset)
    return starts


def _with_spaces_restored(engine: RapidOCR, crop: np.ndarray, text: str) -> str:
    """``text`` with spaces added where the ink shows word gaps; letters unchanged.

    The words read piece by piece only say where the spaces go: when their
    letters add up to the line's, the first reading's letters are kept.
    """
    gaps = _word_gaps(crop)
    if len(gaps) <= text.count(" "):
        return text
    edges = [0] + [(start + end) // 2 for start, end in gaps] + [crop.shape[1]]
    pieces = [crop[:, left:right] for left, right in zip(edges, edges[1:], strict=False) if right - left > 2]
    readings, _ = engine.text_rec(pieces)
    words = _joined_words(["".join(reading[0].split()) for reading in readings if reading[0].strip()])
    letters = "".join(text.split())
    if len(words) - 1 <= text.count(" ") or sum(len(word) for word in words) != len(letters):
        return text
    starts = _word_starts(text.split()) | _word_starts(words)
    return "".join((" " if offset in starts else "") + letter for offset, letter in enumerate(letters))


def read_text_lines(bgr: np.ndarray) -> list[TextLine]:
    """Every line of text found, with its box in the image's coordinates."""
    engine = ocr_engine()
    results, _ = engine(bgr)
    lines = []
    for points, text, score in results or []:
        quad = np.array(points, dtype=np.float32)
        crop = engine.get_crop_img_list(bgr, [quad])[0]
        latin = " ".join(_CJK.sub(" ", text).split())
        if not latin:
            continue
        lines.append(
            TextLine(
                text=_with_spaces_restored(engine, crop, latin),
                score=float(score),
                box=Box(
                    left=float(quad[:, 0].min()),
                    top=float(quad[:, 1].min()),
                    right=float(quad[:, 0].max()),
                    bottom=float(quad[:, 1].max()),
                ),
            )
        )
    return [line for line in lines if line.text]

"""The typefaces of the holdout covers: pip font packages first, DejaVu now and then.

Every face comes from a wheel listed in ``requirements.txt`` (each keeps its
font files in a ``files/`` folder inside the installed package) or, rarely,
from Debian's DejaVu. Serif, sans, condensed and rounded families in light to
heavy weights and some italics make the covers look unlike one another and
unlike the project's own generator. All faces must be installed: a set made on
one machine must be the same set on another.
"""

from __future__ import annotations

import importlib.util
import random
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

from PIL import ImageFont

DEJAVU_DIR = Path("/usr/share/fonts/truetype/dejavu")
DEJAVU_PACKAGE = "fonts-dejavu-core (Debian)"


@dataclass(frozen=True)
class FontFace:
    """One font file; ``package`` is its pip distribution, or ``None`` for DejaVu."""

    package: str | None
    file: str
    family: str
    weight: str
    italic: bool = False

    @property
    def light(self) -> bool:
        return self.weight == "light"


def _faces(package: str, family: str, files: dict[str, str]) -> tuple[FontFace, ...]:
    """``files`` maps a file name to its weight; a trailing ``/i`` marks an italic."""
    return tuple(
        FontFace(package, file, family, weight.removesuffix("/i"), italic=weight.endswith("/i"))
        for file, weight in files.items()
    )


FACES: tuple[FontFace, ...] = (
    *_faces("font-lato", "sans", {
        "Lato-Regular.ttf": "regular", "Lato-Bold.ttf": "bold", "Lato-Black.ttf": "heavy",
        "Lato-Light.ttf": "light", "Lato-Italic.ttf": "regular/i", "Lato-BoldItalic.ttf": "bold/i",
        "Lato-BlackItalic.ttf": "heavy/i",
    }),
    *_faces("font-caladea", "serif", {
        "Caladea-Regular.ttf": "regular", "Caladea-Bold.ttf": "bold", "Caladea-Italic.ttf": "regular/i",
        "Caladea-BoldItalic.ttf": "bold/i",
    }),
    *_faces("font-fjallaone", "condensed", {"FjallaOne-Regular.ttf": "bold"}),
    *_faces("font-rhd", "display", {
        "RedHatDisplay-Regular.ttf": "regular", "RedHatDisplay-Medium.ttf": "regular",
        "RedHatDisplay-Bold.ttf": "bold", "RedHatDisplay-Black.ttf": "heavy", "RedHatDisplay-Light.ttf": "light",
        "RedHatDisplay-Italic.ttf": "regular/i", "RedHatDisplay-BlackItalic.ttf": "heavy/i",
    }),
    *_faces("font-manrope", "sans", {
        "Manrope-Regular.ttf": "regular", "Manrope-SemiBold.ttf": "bold", "Manrope-ExtraBold.ttf": "heavy",
        "Manrope-Light.ttf": "light",
    }),
    *_faces("font-fredoka-one", "rounded", {"FredokaOne-Regular.ttf": "heavy"}),
    *_faces("font-source-serif-pro", "serif", {
        "SourceSerifPro-Regular.ttf": "regular", "SourceSerifPro-Semibold.ttf": "bold",
        "SourceSerifPro-Black.ttf": "heavy", "SourceSerifPro-Light.ttf": "light",
        "SourceSerifPro-It.ttf": "regular/i", "SourceSerifPro-BoldIt.ttf": "bold/i",
    }),
    *_faces("font-hanken-grotesk", "sans", {
        "HankenGrotesk-Regular.otf": "regular", "HankenGrotesk-Medium.otf": "regular",
        "HankenGrotesk-Bold.otf": "bold", "HankenGrotesk-Light.otf": "light",
        "HankenGrotesk-Italic.otf": "regular/i", "HankenGrotesk-BoldItalic.otf": "bold/i",
    }),
    FontFace(None, "DejaVuSans-Bold.ttf", "sans", "bold"),
    FontFace(None, "DejaVuSerif.ttf", "serif", "regular"),
    FontFace(None, "DejaVuSansCondensed-Oblique.ttf", "condensed", "regular", italic=True),
)
DEJAVU_SHARE = 0.06
"""How often a cover's text is set in DejaVu rather than in a pip font."""


class HoldoutFontsMissing(RuntimeError):
    """Some of the holdout typefaces are not installed."""


def _locate(face: FontFace) -> Path | None:
    if face.package is None:
        path = DEJAVU_DIR / face.file
    else:
        module = face.package.replace("-", "_")
        if importlib.util.find_spec(module) is None:
            return None
        path = Path(str(resources.files(module) / "files" / face.file))
    return path if path.is_file() else None


@cache
def installed_faces() -> dict[FontFace, Path]:
    """Every face with its file; raises ``HoldoutFontsMissing`` naming what to install."""
    located = {face: _locate(face) for face in FACES}
    missing = sorted({face.package or DEJAVU_PACKAGE for face, path in located.items() if path is None})
    if missing:
        raise HoldoutFontsMissing(
            f"holdout photos need these font packages, not found: {', '.join(missing)} "
            "(pip install -r requirements.txt; DejaVu: apt-get install fonts-dejavu-core)"
        )
    return {face: path for face, path in located.items() if path is not None}


FAMILY_WEIGHTS = {"sans": 2.0, "serif": 2.0, "display": 1.5, "condensed": 0.8, "rounded": 0.6}
ITALIC_SHARE = 0.4
"""How often a face may be an italic, where its family has italics."""


def pick_face(rng: random.Random, *, light_ok: bool) -> FontFace:
    """A random face, its family drawn first so that no family crowds out the others.

    Light weights only where the text is large enough for their thin strokes.
    """
    faces = [face for face in installed_faces() if light_ok or not face.light]
    if rng.random() < DEJAVU_SHARE:
        return rng.choice([face for face in faces if face.package is None])
    families = sorted(FAMILY_WEIGHTS)
    family = rng.choices(families, [FAMILY_WEIGHTS[name] for name in families])[0]
    members = [face for face in faces if face.family == family and face.package is not None]
    upright = [face for face in members if not face.italic]
    return rng.choice(members if rng.random() < ITALIC_SHARE or not upright else upright)


@cache
def load_font(face: FontFace, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(installed_faces()[face]), size)

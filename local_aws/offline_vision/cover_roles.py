"""Which block of a cover's text names the artist and which the album.

Covers print the artist first more often than not, but plenty put the title
on top. For a cover the catalog does not know, a naive Bayes model learnt
from the catalog's artists and titles weighs the evidence: the words
themselves ("live", "vol", "of", "in" lean to titles; "trio", "dj", "and
the" to artists), their shape (digits, initials), how common they are in
English (titles are mostly everyday words, names mostly rare ones), whether
they are people's names (first and last names from the US census lists that
the ``names`` package ships) and whether Webster's 1934 dictionary (the
``web2`` list of ``english_words``) has them as common words, as proper
nouns, or not at all. The dictionary predates nearly every act in the
catalog, so unlike the frequencies its verdict on a word is not swayed by
fame, and what the catalog teaches through it holds for unknown acts too.

On top of the model, the naming conventions of acts: a name ending in
"Quartet", "Ensemble" or "Big Band", starting with "DJ" or "MC", or fronting
a band ("Echo & the Bunnymen") is an act, however few such acts the catalog
lists.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable
from functools import cache
from importlib import resources

from english_words import get_english_words_set
from wordfreq import get_frequency_dict

from album_registry.catalog import FuzzyAlbumCatalog, normalize_text

# Covers that print the artist above the title, among those that print both.
_ARTIST_FIRST_SHARE = 0.8
# Naive Bayes counts correlated features as independent evidence and so is
# overconfident; scaling its log odds by this factor makes them calibrated
# probabilities on pairs the model has not seen. It is the Platt fit that
# weighs two such sets equally: the catalog in five-fold cross-validation
# (each artist's albums kept within one fold), whose famous names flatter
# the word frequencies, and invented albums from the project's generator
# (tests/vision/test_vision_cover_roles.py refits it).
_CALIBRATION = 0.55
_SMOOTHING = 1.0
# Log odds that a block following an act's naming convention is the artist.
_ACT_CONVENTION_EVIDENCE = 2.0
_ACT_NOUNS = frozenset(
    "band brothers choir collective duo ensemble octet orchestra quartet quintet septet sextet singers sisters trio".split()
)
_ACT_PREFIXES = frozenset({"dj", "mc", "ensemble"})
# Articles, conjunctions and prepositions: too common on both sides to be looked up.
_FUNCTION_WORDS = frozenset("a an and at by for from in of on the to with".split())
# "DJ" or "MC" run into the name that follows it, as tight capitals are read.
_GLUED_ACT_PREFIX = re.compile(r"(DJ|MC)([A-Z]{3,}|[A-Z][a-z]{2,})")


@cache
def _census_names(*files: str) -> frozenset[str]:
    """One census list of names, lower case: each line starts with a name."""
    folder = resources.files("names")
    return frozenset(
        line.split()[0].lower() for file in files for line in folder.joinpath(file).read_text().splitlines() if line.strip()
    )


@cache
def _english_frequencies() -> dict[str, float]:
    return get_frequency_dict("en")


@cache
def _dictionary_words() -> frozenset[str]:
    """Webster's entries as it spells them: common words in lower case, proper nouns capitalised."""
    return frozenset(get_english_words_set(["web2"]))


def _singular_forms(word: str) -> list[str]:
    """What ``word`` would be with a plural ending taken off: "roses", "ferries", "signalmen"."""
    forms = []
    if word.endswith("men"):
        forms.append(word[:-3] + "man")
    if word.endswith("ies"):
        forms.append(word[:-3] + "y")
    if word.endswith("es"):
        forms.append(word[:-2])
    if word.endswith("s") and not word.endswith("ss"):
        forms.append(word[:-1])
    return forms


def _dictionary_class(word: str) -> str:
    """"common", "proper" or "none"; Webster's lists no plurals, so a word it
    lacks is looked up again without a plural ending."""
    entries = _dictionary_words()
    for form in (word, *_singular_forms(word)):
        if form in entries:
            return "common"
        if form.capitalize() in entries:
            return "proper"
    return "none"


def _follows_act_convention(text: str) -> bool:
    """"… Quartet", "DJ …", or a name of one or two words "& the" a band: "Echo & the Bunnymen"."""
    words = normalize_text(text).split()
    fronted_band = any(words[at : at + 2] == ["and", "the"] and len(words) > at + 2 for at in (1, 2))
    return bool(words) and (words[-1] in _ACT_NOUNS or words[0] in _ACT_PREFIXES or fronted_band)


def separate_act_prefix(text: str) -> str:
    """``text`` with "DJ"/"MC" set apart from a name it was read run into.

    Only where the run-together word is no English word: "MCPELANOR" is "MC
    PELANOR", but "MCCARTNEY" stays one word.
    """
    words = []
    for word in text.split():
        glued = _GLUED_ACT_PREFIX.fullmatch(word)
        words.append(f"{glued[1]} {glued[2]}" if glued and _zipf(normalize_text(word)) == 0 else word)
    return " ".join(words)


def _zipf(word: str) -> float:
    """wordfreq's Zipf value of a normalised word, by direct lookup (training reads thousands)."""
    frequency = _english_frequencies().get(word, 0.0)
    return math.log10(frequency) + 9 if frequency > 0 else 0.0


def _features(text: str) -> list[str]:
    words = normalize_text(text).split()
    if not words:
        return []
    given_names = _census_names("dist.male.first", "dist.female.first")
    family_names = _census_names("dist.all.last")
    features = [f"word:{word}" for word in words]
    features += [f"given-name first:{words[0] in given_names}", f"family-name last:{words[-1] in family_names}"]
    features += [f"first:{words[0]}", f"last:{words[-1]}", f"length:{min(len(words), 6)}"]
    features += [f"bigram:{first} {second}" for first, second in zip(words, words[1:], strict=False)]
    # Bands are so often "The ...s" that the pair says more than its parts.
    features += [f"ending:{words[-1][-2:]}", f"the-plural:{words[0] == 'the' and words[-1].endswith('s')}"]
    for word in words:
        if any(character.isdigit() for character in word):
            features.append("shape:number")
            continue
        if word in _FUNCTION_WORDS:
            # Their own features carry them; as "common words" they would blur the rest.
            continue
        features.append(f"dictionary:{_dictionary_class(word)}")
        if (zipf := _zipf(word)) >= 1:
            # Catalog artists are famous, so the word list knows their names:
            # that it does not know a word says nothing the catalog can teach.
            features.append(f"rarity:{min(7, int(zipf))}")
    return features


class _Counts:
    def __init__(self, texts: Iterable[str]) -> None:
        self.counter: Counter[str] = Counter(feature for text in texts for feature in _features(text))
        self.total = sum(self.counter.values())


class CoverRoles:
    """A naive Bayes model of artist names against album titles."""

    def __init__(self, pairs: Iterable[tuple[str, str]]) -> None:
        pairs = list(pairs)
        self._artists = _Counts(artist for artist, _ in pairs)
        self._titles = _Counts(title for _, title in pairs)
        self._seen = self._artists.counter.keys() | self._titles.counter.keys()
        self._vocabulary = len(self._seen)

    @classmethod
    def from_catalog(cls, catalog: FuzzyAlbumCatalog) -> CoverRoles:
        return cls((album.artist, album.albumName) for album in catalog.albums)

    def _log_likelihood(self, counts: _Counts, features: list[str]) -> float:
        denominator = counts.total + _SMOOTHING * self._vocabulary
        return sum(math.log((counts.counter[feature] + _SMOOTHING) / denominator) for feature in features)

    def artist_log_odds(self, text: str) -> float:
        """log P(text | an artist) - log P(text | a title): above 0, a name.

        Features the catalog never shows (a word on neither side) say nothing.
        """
        features = [feature for feature in _features(text) if feature in self._seen]
        return self._log_likelihood(self._artists, features) - self._log_likelihood(self._titles, features)

    def artist_comes_first(self, upper: str, lower: str) -> bool:
        """Whether ``upper`` (printed above ``lower``) is the artist."""
        prior = math.log(_ARTIST_FIRST_SHARE / (1 - _ARTIST_FIRST_SHARE))
        evidence = _CALIBRATION * (self.artist_log_odds(upper) - self.artist_log_odds(lower))
        evidence += _ACT_CONVENTION_EVIDENCE * (_follows_act_convention(upper) - _follows_act_convention(lower))
        return prior + evidence >= 0

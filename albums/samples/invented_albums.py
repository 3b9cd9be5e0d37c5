"""Albums that exist nowhere: the covers a catalog cannot know.

Names are put together from word lists, so each seed gives the same albums;
a made-up album that happens to look like a catalog entry is skipped.
"""

from __future__ import annotations

import random

from album_registry.catalog import FuzzyAlbumCatalog

_FIRST_NAMES = (
    "Marla", "Tobias", "Inez", "Rufus", "Delphine", "Otto", "Sunniva", "Casimir", "Wren", "Ezra",
    "Lorna", "Bastian", "Yara", "Hollis", "Mireille", "Anselm", "Greta", "Lucian", "Odette", "Fenna",
    "Jasper", "Ilse", "Caspar", "Noor", "Matteo", "Signe", "Harlan", "Beatrix", "Emrys", "Talia",
)
_LAST_NAMES = (
    "Fenwick", "Okafor", "Lindqvist", "Marchetti", "Halloran", "Brandt", "Vasquez", "Tremaine",
    "Achterberg", "Kowalczyk", "Delacroix", "Whitlock", "Nakamura", "Ferreira", "Oyelaran", "Sorensen",
    "Pemberton", "Castellanos", "Duchamp", "Ravensworth", "Albrecht", "Montague", "Quist", "Varga",
)
_BAND_ADJECTIVES = (
    "Velvet", "Paper", "Copper", "Hollow", "Silver", "Quiet", "Electric", "Crimson", "Distant", "Amber",
    "Midnight", "Wandering", "Broken", "Golden", "Neon", "Wild", "Lunar", "Salt", "Static", "Gentle",
)
_BAND_NOUNS = (
    "Foxes", "Lanterns", "Harbours", "Pilots", "Orchards", "Satellites", "Ravens", "Engines", "Tides",
    "Mirrors", "Comets", "Gardens", "Owls", "Rivers", "Cathedrals", "Signals", "Glaciers", "Parades",
)
_TITLE_ADJECTIVES = (
    "Slow", "Bright", "Faded", "Northern", "Restless", "Tender", "Empty", "Burning", "Secret", "Endless",
    "Second", "Strange", "Silent", "Hidden", "Little", "Open", "Last", "Heavy", "Careless", "Summer",
)
_TITLE_NOUNS = (
    "Harbour", "Mornings", "Machines", "Weather", "Postcards", "Avenues", "Echoes", "Rooms", "Letters",
    "Lights", "Borders", "Islands", "Horizons", "Seasons", "Stations", "Kingdoms", "Ribbons", "Shadows",
    "Meridian", "Satellite", "Daylight", "Frequencies", "Orchard", "Lantern", "Compass",
)
_PLACES = ("Lisbon", "the Valley", "Glass", "the Coast", "Nowhere", "Tomorrow", "the North", "Salt Lake")


def invent_artist(rng: random.Random) -> str:
    kind = rng.random()
    if kind < 0.5:
        return f"{rng.choice(_FIRST_NAMES)} {rng.choice(_LAST_NAMES)}"
    if kind < 0.8:
        return f"The {rng.choice(_BAND_ADJECTIVES)} {rng.choice(_BAND_NOUNS)}"
    return f"{rng.choice(_BAND_ADJECTIVES)} {rng.choice(_BAND_NOUNS)}"


def invent_title(rng: random.Random) -> str:
    kind = rng.random()
    if kind < 0.45:
        return f"{rng.choice(_TITLE_ADJECTIVES)} {rng.choice(_TITLE_NOUNS)}"
    if kind < 0.7:
        return f"{rng.choice(_TITLE_NOUNS)} of {rng.choice(_PLACES)}"
    if kind < 0.85:
        return rng.choice(_TITLE_NOUNS)
    return f"{rng.choice(_TITLE_ADJECTIVES)} {rng.choice(_TITLE_NOUNS)} and {rng.choice(_TITLE_NOUNS)}"


def invent_album(rng: random.Random, catalog: FuzzyAlbumCatalog) -> tuple[str, str]:
    """An (artist, title) pair that neither lookup of the catalog recognises."""
    while True:
        artist, title = invent_artist(rng), invent_title(rng)
        if catalog.find(artist=artist, album_name=title) is None and catalog.match_cover_text([artist, title]) is None:
            return artist, title

"""Invented albums: plausible artists and titles that no famous record has.

The patterns are the ones real record shelves are full of and a simple
"Adjective Noun" generator never makes: single coined names, initials, DJ and
MC names, "Name and the Somethings", "Surname Trio", titles with numbers and
volumes, one-word titles, long sentence-like titles, titles with "&", and a
few accented letters. A name that equals any canon artist or title (as the
evaluation compares names) is thrown away and drawn again.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from albums.holdout.canon_albums import Album, canon_name_keys, name_key
from albums.holdout.weighted import pick_weighted

FIRST_NAMES = (
    "Ines", "Marlo", "Tobias", "Renée", "Zoë", "Jörg", "Inés", "Joaquín", "Élodie", "Priya",
    "Odile", "Casper", "Wren", "Ansel", "Talia", "Idris", "Margit", "Nils", "Delphine", "Rufus",
    "Yara", "Teodor", "Hollis", "Mireille", "Kofi", "Saoirse", "Bram", "Lucía", "Emeric", "Vesna",
)
SURNAMES = (
    "Calloway", "Mendel", "Okafor", "Lindqvist", "Marchetti", "Abernathy", "Kowalski", "Delacroix",
    "Fairweather", "Thornbury", "Ashdown", "Ortega", "Brückner", "Sánchez", "Haldane", "Pemberton",
    "Quaresma", "Whitlock", "Ferreira", "Castellano", "Moreau", "Varga", "Osei", "Kalinowski",
    "Holloway", "Ibáñez", "Löwenthal", "Szabó", "Nakagawa", "Ekström", "Rourke", "Vasquez",
)
COINED_NAMES = (
    "Velmora", "Halvane", "Quillory", "Tamsenne", "Orvello", "Brisalt", "Kestova", "Lunaret",
    "Mirabo", "Saffrey", "Tolvane", "Corvina", "Elkhorne", "Vantablu", "Ombrelle", "Pelanor",
    "Ziravo", "Marquenne", "Solvik", "Daubeny", "Fennimore", "Ilvaro", "Rosquette", "Talpa",
)
BAND_NOUNS = (
    "Lanterns", "Tidewaters", "Night Ferries", "Paper Boats", "Weathervanes", "Starlings",
    "Ferrymen", "Gondoliers", "Mapmakers", "Lamplighters", "Harbour Lights", "Moth Choir",
    "Bellringers", "Switchbacks", "Orchard Keepers", "Signalmen", "Kitefliers", "Slow Trains",
)
ENSEMBLES = ("Trio", "Quartet", "Quintet", "Sextet", "Ensemble", "Collective", "Orchestra", "Big Band")
DJ_NAMES = ("Sorrel", "Fennec", "Marbles", "Quasar", "Tamarind", "Cobalt", "Juniper", "Kettle", "Rook", "Vesper")
PLACES = (
    "Lisbon", "Tallinn", "Oaxaca", "Marrakesh", "Galway", "Ghent", "Valparaíso", "Kyoto", "Duluth",
    "Tangier", "Bergen", "Trieste", "Mombasa", "Asunción", "Zürich", "Malmö", "Córdoba", "Hobart",
)
THINGS = (
    "Rivers", "Lighthouses", "Bridges", "Winters", "Ferries", "Orchards", "Chimneys", "Harbours",
    "Satellites", "Sailors", "Staircases", "Radios", "Gardens", "Tramlines", "Mountains", "Letters",
)
THING = (
    "Lighthouse", "Harbour", "Orchard", "Attic", "Boathouse", "Greenhouse", "Cinema", "Kitchen",
    "Railway", "Canal", "Glacier", "Bakery", "Ballroom", "Observatory", "Laundrette", "Chapel",
)
MOVERS = ("Ferry", "Tram", "Telegram", "Weathervane", "Kettle", "Night Train", "Piano Tuner", "Postman", "Tide")
MOVER_VERBS = ("Leave", "Arrive", "Turn", "Sing", "Call", "Whistle")
SINGLE_WORDS = (
    "Driftwood", "Lowlands", "Marmalade", "Solstice", "Undertow", "Ambergris", "Cinderwick",
    "Porcelain", "Meridian", "Halflight", "Tinderbox", "Switchgrass", "Larkspur", "Quicksilver",
    "Saltmarsh", "Foxglove", "Brightwater", "Seaglass", "Tumbleweed", "Nocturnes",
)
PAIRS = (
    "Salt", "Copper", "Ladders", "Lullabies", "Smoke", "Mirrors", "Bread", "Roses", "Thunder",
    "Lace", "Rope", "Honey", "Chalk", "Ink", "Ashes", "Pins", "Needles", "Wool", "Iron", "Thimbles",
)
VERBS_PAST = ("Painted", "Sold", "Flooded", "Rebuilt", "Forgot", "Left", "Burned", "Found")
VERBS = ("Mend", "Build", "Paint", "Leave", "Sell", "Flood")
IDLE_VERBS = ("Mend", "Drive", "Sleep", "Wait", "Dance", "Whistle")
MOODS = ("Quiet", "Awake", "Singing", "Yellow", "Gone", "Ours", "Listening", "Older")
NUMBER_WORDS = ("Two", "Three", "Four", "Five", "Six", "Seven", "Nine", "Eleven", "Twelve", "Forty")
ACCENTED_TITLES = (
    "Mañana en la Costa", "Café de la Gare", "Été Indien", "Lieder für Zürich", "Canção do Farol",
)

_Pick = Callable[[random.Random], str]


def _person(rng: random.Random) -> str:
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES)}"


def _initials(rng: random.Random) -> str:
    letters = rng.sample("ABCDEFGHJKLMNPRSTVW", 2)
    initials = f"{letters[0]}.{letters[1]}." if rng.random() < 0.6 else f"{letters[0]}. {letters[1]}."
    return f"{initials} {rng.choice(SURNAMES)}"


def _deejay(rng: random.Random) -> str:
    return f"{rng.choice(('DJ', 'MC'))} {rng.choice(DJ_NAMES + COINED_NAMES)}"


def _leader_and_band(rng: random.Random) -> str:
    leader = rng.choice(FIRST_NAMES) if rng.random() < 0.6 else _person(rng)
    return f"{leader} {rng.choice(('and the', '& the'))} {rng.choice(BAND_NOUNS)}"


def _ensemble(rng: random.Random) -> str:
    surname, ensemble = rng.choice(SURNAMES), rng.choice(ENSEMBLES)
    if ensemble == "Ensemble" and rng.random() < 0.5:
        return f"Ensemble {surname}"
    return f"{'The ' if rng.random() < 0.4 else ''}{surname} {ensemble}"


def _the_band(rng: random.Random) -> str:
    return f"The {rng.choice(BAND_NOUNS)}"


ARTIST_PATTERNS: tuple[tuple[_Pick, float], ...] = (
    (lambda rng: rng.choice(COINED_NAMES), 2.0),
    (_person, 2.5),
    (_initials, 1.0),
    (_deejay, 1.0),
    (_leader_and_band, 1.5),
    (_ensemble, 1.5),
    (_the_band, 1.0),
)


def _number(rng: random.Random) -> str:
    return rng.choice(NUMBER_WORDS) if rng.random() < 0.5 else str(rng.choice((2, 3, 4, 7, 9, 12, 40, 99)))


def _numbered_title(rng: random.Random) -> str:
    patterns = (
        lambda: f"Songs for {_number(rng)} {rng.choice(THINGS)}",
        lambda: f"{rng.choice(SINGLE_WORDS)}, Vol. {rng.randint(2, 5)}",
        lambda: f"Vol. {rng.randint(2, 9)}",
        lambda: f"{rng.choice(NUMBER_WORDS)} Nights in {rng.choice(PLACES)}",
        lambda: f"Room {rng.randint(11, 409)}",
        lambda: f"{rng.randint(3, 14)} Songs About the {rng.choice(THING)}",
        lambda: f"Suite No. {rng.randint(2, 9)}",
    )
    return rng.choice(patterns)()


def _a(noun: str) -> str:
    return f"{'an' if noun[0] in 'AEIOU' else 'a'} {noun}"


def _long_title(rng: random.Random) -> str:
    patterns = (
        lambda: f"The Year We {rng.choice(VERBS_PAST)} the {rng.choice(THING)}",
        lambda: f"All the {rng.choice(THINGS)} Were {rng.choice(MOODS)}",
        lambda: f"Letters from the {rng.choice(THING)}",
        lambda: f"Nobody Dances in {rng.choice(PLACES)} Anymore",
        lambda: f"Waiting for the {rng.choice(MOVERS)} to {rng.choice(MOVER_VERBS)}",
        lambda: f"How to {rng.choice(VERBS)} {_a(rng.choice(THING))}",
        lambda: f"Songs to {rng.choice(IDLE_VERBS)} By",
        lambda: f"What the {rng.choice(THING)} Told the {rng.choice(THING)}",
    )
    return rng.choice(patterns)()


def _pair_title(rng: random.Random) -> str:
    first, second = rng.sample(PAIRS, 2)
    return f"{first} & {second}" if rng.random() < 0.75 else f"{first} and {second}"


def _live_title(rng: random.Random) -> str:
    return f"Live at the {rng.choice(SURNAMES)} {rng.choice(('Room', 'Hall', 'Tavern', 'Ballroom'))}"


TITLE_PATTERNS: tuple[tuple[_Pick, float], ...] = (
    (lambda rng: rng.choice(SINGLE_WORDS), 2.0),
    (_numbered_title, 2.0),
    (_long_title, 2.5),
    (_pair_title, 1.5),
    (_live_title, 0.7),
    (lambda rng: rng.choice(PLACES), 0.6),
    (lambda rng: rng.choice(ACCENTED_TITLES), 0.5),
)


def invent_album(rng: random.Random, taken: set[str]) -> Album:
    """An album with no canon artist nor title, whose key is not yet in ``taken`` (which it joins)."""
    canon = canon_name_keys()
    while True:
        artist, title = pick_weighted(rng, ARTIST_PATTERNS)(rng), pick_weighted(rng, TITLE_PATTERNS)(rng)
        key = f"{name_key(artist)} / {name_key(title)}"
        if name_key(artist) in canon or name_key(title) in canon or key in taken:
            continue
        taken.add(key)
        return Album(artist=artist, title=title, year=None, famous=False)

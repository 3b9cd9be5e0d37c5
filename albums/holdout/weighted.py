"""Drawing one entry from a table of (entry, weight) pairs, the way every holdout table is written."""

from __future__ import annotations

import random
from typing import TypeVar

Entry = TypeVar("Entry")


def pick_weighted(rng: random.Random, table: tuple[tuple[Entry, float], ...]) -> Entry:
    return rng.choices([entry for entry, _ in table], weights=[weight for _, weight in table])[0]

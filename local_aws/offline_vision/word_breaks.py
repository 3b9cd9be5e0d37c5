"""Where a line's words break: the recogniser's evidence weighed against English.

Between two letters the recogniser gives some probability to a space. Near 0
or near 1 that settles it; in between (capitals set tight, letters set wide)
it does not, on its own: "THELUNAR" has a weak space after "THE", "SIL VER" a
weak one inside a word. The ``Lexicon``'s word frequencies settle those: a
break is kept where the words it makes are together more likely than the
word it splits, the recogniser's evidence included. The most likely reading
of the whole run is found by dynamic programming over the uncertain breaks.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from local_aws.offline_vision.lexicon import Lexicon

# Below this the recogniser has ruled a break out; at or above the upper
# bound it has decided one, and no word list overrules it.
MIN_BREAK_PROBABILITY = 0.002
SURE_BREAK_PROBABILITY = 0.5


def split_words(letters: str, breaks: Sequence[float], lexicon: Lexicon) -> list[str]:
    """The most likely words of ``letters``, a run with no sure break.

    ``breaks[k]`` is the probability of a space between ``letters[k]`` and
    ``letters[k + 1]``.
    """
    if len(breaks) != max(0, len(letters) - 1):
        raise ValueError(f"{len(letters)} letters need {max(0, len(letters) - 1)} break probabilities, not {len(breaks)}")
    if not letters:
        return []
    # stay[k]: log10 of there being no space at break k; prefix sums make a word's share O(1).
    stay_total = [0.0]
    for probability in breaks:
        stay_total.append(stay_total[-1] + math.log10(max(1e-9, 1.0 - probability)))
    # A cut at position j (0 < j < len) puts a space before letters[j].
    cuts = [j for j in range(1, len(letters)) if breaks[j - 1] >= MIN_BREAK_PROBABILITY]
    ends = [*cuts, len(letters)]
    best: dict[int, tuple[float, list[str]]] = {0: (0.0, [])}
    for end in ends:
        candidates = []
        for start, (score, words) in best.items():
            if start >= end:
                continue
            word = letters[start:end]
            # Breaks inside the word are ones the reading says are not there.
            inside = stay_total[end - 1] - stay_total[start]
            space = math.log10(breaks[end - 1]) if end < len(letters) else 0.0
            candidates.append((score + lexicon.log_probability(word) + inside + space, [*words, word]))
        best[end] = max(candidates, key=lambda candidate: candidate[0])
    return best[len(letters)][1]

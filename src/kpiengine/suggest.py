"""Did-you-mean suggestions for misspelt keys, values and names."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

CUTOFF = 0.6
_LOOKALIKE = str.maketrans("oli", "011")
"""Letters typed for the digits they look like, as in the owner id R0O1 for R001."""


def closest(word: str, candidates: Iterable[str]) -> str | None:
    """The candidate most like `word` (case-insensitive), or None when nothing is close."""
    by_lower: dict[str, str] = {}
    for candidate in sorted(candidates):
        by_lower.setdefault(candidate.lower(), candidate)
    lowered = word.lower()
    if lowered in by_lower:
        return by_lower[lowered]
    matches = difflib.get_close_matches(lowered, list(by_lower), n=5, cutoff=CUTOFF)
    if not matches:
        return None
    plain = lowered.translate(_LOOKALIKE)
    # Fewest letters to change, after letters taken for digits (O for 0) are counted the same;
    # min is stable, so ties keep difflib's order.
    best = min(matches, key=lambda m: (edits(plain, m.translate(_LOOKALIKE)), edits(lowered, m)))
    return by_lower[best]


def edits(a: str, b: str) -> int:
    """How many letters to insert, delete or change to turn `a` into `b` (Levenshtein): breaks
    ties among equally similar candidates, so `R0O1` suggests `R001`, not `R012`."""
    row = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        previous, row[0] = row[0], i
        for j, y in enumerate(b, 1):
            previous, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, previous + (x != y))
    return row[-1]


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """`" — did you mean 'x'?"` for the closest candidate, or "" when none is close."""
    match = closest(word, candidates)
    return f" — did you mean '{match}'?" if match is not None else ""

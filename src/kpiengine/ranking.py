"""Ranks within each group: 1 for the highest total; ties share a rank (1, 2, 2, 4)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Mapping, Sequence
from decimal import Decimal
from typing import TypeVar

K = TypeVar("K", bound=Hashable)


def competition_ranks(scores: Mapping[K, Decimal]) -> dict[K, int]:
    ordered = sorted(scores.values(), reverse=True)
    first: dict[Decimal, int] = {}
    for position, value in enumerate(ordered, start=1):
        first.setdefault(value, position)
    return {key: first[value] for key, value in scores.items()}


def ranks_within(
    keys: Sequence[K], totals: Mapping[K, Decimal], group_of: Mapping[K, str]
) -> dict[K, int]:
    """Rank each key among the keys that share its group."""
    members: dict[str, dict[K, Decimal]] = defaultdict(dict)
    for key in keys:
        members[group_of[key]][key] = totals[key]
    ranks: dict[K, int] = {}
    for scores in members.values():
        ranks.update(competition_ranks(scores))
    return ranks

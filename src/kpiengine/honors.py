"""Honors: the top N by an expression within a group; everyone tied at the cut-off is honored.

Only a positive value can win: in a quarter where nobody sold, nobody is sales champion.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping
from decimal import Decimal
from typing import Any, TypeVar

from kpiengine.plan.ruleset import Honor
from kpiengine.ranking import competition_ranks

K = TypeVar("K", bound=Hashable)


def honored(
    honor: Honor,
    rows: Iterable[tuple[K, str, Mapping[str, str]]],
    names_of: Callable[[K], Mapping[str, Any]],
) -> set[K]:
    """Keys of the rows honored; `rows` gives each row's key, period and groups."""
    pools: dict[tuple[str, str], dict[K, Decimal]] = defaultdict(dict)
    for key, period, groups in rows:
        value = honor.rank_by.evaluate(names_of(key))
        if isinstance(value, Decimal | int) and not isinstance(value, bool) and value > 0:
            group = groups.get(honor.within, "") if honor.within else ""
            pools[(period, group)][key] = Decimal(value)
    chosen: set[K] = set()
    for scores in pools.values():
        chosen |= {k for k, rank in competition_ranks(scores).items() if rank <= honor.top}
    return chosen

"""A whole run on a rich Console: a table per period, then the notes under it."""

from __future__ import annotations

from collections.abc import Collection

from rich.console import Console

from kpiengine import Results
from kpiengine_console.console_options import PARTS
from kpiengine_console.scorecard import group_table, notes, period_table, view_of


def periods_of(results: Results) -> list[str]:
    """The run's periods in order, then any period only the rows mention."""
    return list(dict.fromkeys([*results.periods, *(row.period for row in results.rows)]))


def render(results: Results, console: Console, show: Collection[str] = PARTS) -> None:
    """Print every period's table and notes on `console`."""
    view = view_of(results, show)
    for number, period in enumerate(periods_of(results)):
        rows = [row for row in results.rows if row.period == period]
        if number:
            console.print()
        console.print(period_table(f"{results.ruleset_name} — {period}", rows, view))
        for line in notes(rows, view):
            console.print(line)
        groups = [g for g in results.groups if g.period == period]
        if groups and "group_results" in view.show:
            console.print(group_table(f"{results.ruleset_name} — {period} (groups)", groups, view))

"""The results of a run: the ruleset it came from, its periods, and its result table."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from kpiengine.checks.model import Check
from kpiengine.results.table import ResultTable
from kpiengine.results.views import GroupResult, SubjectResult, group_results, subject_results


@dataclass(frozen=True, eq=False)
class Results:
    """A whole run. `table` is the results; `rows` and `groups` read its rows as objects (built
    on first use) for outputs that want one object per row."""

    ruleset_name: str
    ruleset_sha256: str
    locale: str
    currency: str
    periods: tuple[str, ...]
    table: ResultTable
    checks: tuple[Check, ...] = ()
    """What the data checks found, errors first (docs/results.md)."""
    run_id: str | None = None
    """The run's id (`kpiengine.results.run_id`): the same for the same plan, periods and
    records; None for results made without a run."""

    @property
    def money_places(self) -> int:
        """The currency's minor-unit places (2 for CNY): money is written with exactly these."""
        return self.table.money_places

    @cached_property
    def rows(self) -> tuple[SubjectResult, ...]:
        """One object per subject × period, in the table's order."""
        return subject_results(self.table)

    @cached_property
    def groups(self) -> tuple[GroupResult, ...]:
        """One object per group × period, in the table's order."""
        return group_results(self.table)

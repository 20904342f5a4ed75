"""What the checks look at: the sources the plan aggregates, the expressions that read their
records, and the window of dates the evaluated periods cover."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from kpiengine.data.store import Store
from kpiengine.evaluate.aggregations import all_aggregations
from kpiengine.names import RECORD
from kpiengine.plan.periods import Period
from kpiengine.plan.ruleset import Aggregation, Ruleset
from kpiengine.sql import ident

SHOWN = 3
"""Values or records a message names; its counts say how many there are in all."""


@dataclass(frozen=True)
class Scope:
    """The run a check looks at: the store, the subjects' ids and the evaluated periods."""

    ruleset: Ruleset
    store: Store
    subject_ids: tuple[str, ...]
    periods: tuple[Period, ...]

    @property
    def window(self) -> tuple[date, date]:
        """From the first evaluated period's start to the last one's end (exclusive)."""
        return self.periods[0].start, self.periods[-1].end

    @property
    def window_text(self) -> str:
        first, last = self.periods[0].id, self.periods[-1].id
        return first if first == last else f"{first} … {last}"

    def aggregations(self) -> list[Aggregation]:
        """Every aggregation over records, the per-record incentives' own included."""
        aggs = all_aggregations(self.ruleset)
        aggs += [i.tiers.records for i in self.ruleset.incentives if i.tiers and i.tiers.records]
        return aggs

    def aggregated_sources(self) -> list[str]:
        return sorted({a.source for a in self.aggregations()})

    def dates(self, source: str) -> list[str]:
        """The fields that place the source's records in periods."""
        return sorted({a.date for a in self.aggregations() if a.source == source and a.date})

    def in_window(self, source: str) -> tuple[str, list[Any]]:
        """A condition keeping the records dated in the evaluated periods (all, if undated)."""
        fields = self.dates(source)
        if not fields:
            return "TRUE", []
        start, end = self.window
        parts = [f"({ident(f)} >= ? AND {ident(f)} < ?)" for f in fields]
        return f"({' OR '.join(parts)})", [v for _ in fields for v in (start, end)]

    def places(self, source: str, positions: Sequence[Any]) -> list[str]:
        """Where records are, in the source's own terms (`deals.csv:14`)."""
        return self.store.locate(source, [int(p) for p in positions])

    def first_records(self, source: str, where: str, params: list[Any]) -> tuple[int, list[str]]:
        """How many records `where` keeps, and where the first few are."""
        record = ident(RECORD)
        sql = (
            f"SELECT count(*), min({record}, {SHOWN}) FROM {self.store.view(source)} WHERE {where}"
        )
        count, positions = self.store.query(sql, params)[0]
        return int(count), self.places(source, positions or []) if count else []


def plural(count: int, one: str, many: str | None = None) -> str:
    """`1 record`, `3 records` (with thousands separators)."""
    return f"{count:,} {one if count == 1 else (many or one + 's')}"


def agree(count: int, one: str, many: str) -> str:
    """The verb that agrees with the count: `agree(1, "has", "have")` is `has`."""
    return one if count == 1 else many


def listed(items: Sequence[str], total: int) -> str:
    """`a, b, c` and how many more there are."""
    more = total - len(items)
    return ", ".join(items) + (f" and {more:,} more" if more > 0 else "")

"""The working rows of a run: one per subject × period, and one per group × period."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from kpiengine.aggregate import empty_value
from kpiengine.data.subjects import Subject
from kpiengine.evaluate.record_tiers import record_payout
from kpiengine.payouts import Line
from kpiengine.plan.periods import Period
from kpiengine.plan.ruleset import Aggregation, Ruleset
from kpiengine.scoring import Scored, grade_of, indicator_names


@dataclass
class Row:
    """The working for one subject in one period, before it becomes a SubjectResult."""

    subject: Subject
    period: Period
    metrics: dict[str, Any]
    scored: list[Scored]
    total: Decimal
    values: Mapping[str, Any] = field(default_factory=dict)
    ranks: dict[str, int] = field(default_factory=dict)
    feedback: list[str] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    honors: list[str] = field(default_factory=list)
    group_names: dict[str, Any] = field(default_factory=dict)
    """The names of this subject's groups' results (`team.revenue.attainment`)."""

    @property
    def key(self) -> tuple[str, str]:
        return (self.subject.id, self.period.id)

    def names(self) -> dict[str, Any]:
        names = {**self.group_names, **self.metrics}
        for scored in self.scored:
            names.update(indicator_names(scored))
        return names

    def result_names(self, ruleset: Ruleset) -> dict[str, Any]:
        """Every name a result-level expression may read: indicators, metrics, total, grade."""
        grade = grade_of(self.total, ruleset.grades)
        return {**self.names(), "total": self.total, "grade": grade.grade if grade else None}

    @property
    def payout(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal(0))


@dataclass
class GroupRow:
    """A group's result in one period: its members' records aggregated together, then scored."""

    group: str
    value: str
    period: Period
    members: list[Row]
    metrics: dict[str, Any]
    scored: list[Scored]
    total: Decimal

    def names(self) -> dict[str, Any]:
        """This group's indicators as `team.revenue.attainment`, for its members' expressions."""
        names: dict[str, Any] = {}
        for scored in self.scored:
            names.update({f"{self.group}.{k}": v for k, v in indicator_names(scored).items()})
        return names


def all_aggregations(ruleset: Ruleset) -> list[Aggregation]:
    aggs = [m.aggregation for m in ruleset.metrics.values()]
    aggs += [i.actual for i in ruleset.indicators if isinstance(i.actual, Aggregation)]
    return aggs + [a for i in ruleset.incentives if (a := record_payout(i)) is not None]


def metric_values(ruleset: Ruleset, values: Mapping[str, Any]) -> dict[str, Any]:
    return {
        mid: values.get(m.aggregation.rule, empty_value(m.aggregation))
        for mid, m in ruleset.metrics.items()
    }

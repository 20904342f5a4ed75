"""The results of a run: one row per subject × period, and the JSON document of DESIGN §4."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from kpiengine.results import ResultTable

Value = Decimal | str | bool | None


class IndicatorResult(NamedTuple):
    """One indicator of one subject in one period (a named tuple: a run makes millions)."""

    id: str
    name: str
    unit: str | None
    actual: Value
    target: Value
    attainment: Decimal | None
    score: Decimal
    weight: Decimal


@dataclass(frozen=True)
class SubjectResult:
    """Everything the engine worked out for one subject in one period."""

    subject: str
    name: str
    period: str
    groups: Mapping[str, str]
    indicators: Mapping[str, IndicatorResult]
    metrics: Mapping[str, Value]
    total: Decimal
    grade: str | None
    grade_name: str | None
    ranks: Mapping[str, int]
    incentives: Mapping[str, Decimal] = field(default_factory=dict)
    payout: Decimal = Decimal("0")
    honors: tuple[str, ...] = ()
    feedback: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class GroupResult:
    """A group's result in one period: members' records together, scored on the sums."""

    group: str
    value: str
    period: str
    members: tuple[str, ...]
    indicators: Mapping[str, IndicatorResult]
    metrics: Mapping[str, Value]
    total: Decimal
    grade: str | None
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Results:
    """A whole run: the ruleset it came from, its periods and its rows in a stable order.

    A run's `rows` and `groups` are built from `table` when first read; outputs that write many
    rows read `result_table(results)` instead, which never builds them.
    """

    ruleset_name: str
    ruleset_sha256: str
    locale: str
    currency: str
    money_places: int
    periods: tuple[str, ...]
    rows: Sequence[SubjectResult]
    groups: Sequence[GroupResult] = ()
    table: ResultTable | None = field(default=None, compare=False, repr=False)


EXACT_FLOAT = 2**53


def json_number(value: Decimal) -> int | float:
    """A Decimal as a JSON number: integral values as integers, others as the shortest float."""
    approximate = float(value)  # fast; exact for the integers a float can hold
    if approximate.is_integer() and abs(approximate) < EXACT_FLOAT:
        return int(approximate)
    if value == value.to_integral_value():
        return int(value)
    return approximate


def json_value(value: Value) -> Any:
    if isinstance(value, Decimal):
        return json_number(value)
    return value


def money_text(value: Decimal, places: int) -> str:
    """Money as a string with exactly the currency's minor-unit decimals."""
    return f"{value:.{places}f}"


def indicator_document(ind: IndicatorResult) -> dict[str, Any]:
    return {
        "actual": json_value(ind.actual),
        "target": json_value(ind.target),
        "attainment": json_value(ind.attainment),
        "score": float(ind.score),
    }


def row_document(row: SubjectResult, places: int) -> dict[str, Any]:
    return {
        "subject": row.subject,
        "name": row.name,
        "period": row.period,
        "groups": dict(row.groups),
        "indicators": {k: indicator_document(v) for k, v in row.indicators.items()},
        "metrics": {k: json_value(v) for k, v in row.metrics.items()},
        "total": float(row.total),
        "grade": row.grade,
        "ranks": dict(row.ranks),
        "incentives": {k: money_text(v, places) for k, v in row.incentives.items()},
        "payout": money_text(row.payout, places),
        "honors": list(row.honors),
        "feedback": list(row.feedback),
        "warnings": list(row.warnings),
    }


def group_document(row: GroupResult) -> dict[str, Any]:
    return {
        "group": row.group,
        "value": row.value,
        "period": row.period,
        "members": list(row.members),
        "indicators": {k: indicator_document(v) for k, v in row.indicators.items()},
        "metrics": {k: json_value(v) for k, v in row.metrics.items()},
        "total": float(row.total),
        "grade": row.grade,
        "warnings": list(row.warnings),
    }


def results_document(results: Results) -> dict[str, Any]:
    """The JSON results document (DESIGN §4); the same results always give the same document."""
    return {
        "kpiengine": 1,
        "ruleset": {"name": results.ruleset_name, "sha256": results.ruleset_sha256},
        "periods": list(results.periods),
        "results": [row_document(r, results.money_places) for r in results.rows],
        "groups": [group_document(g) for g in results.groups],
    }

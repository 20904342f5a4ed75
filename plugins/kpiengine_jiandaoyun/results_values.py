"""A result row as flat keys (`subject`, `revenue.score`, `incentives.bonus`, …) and values."""

from __future__ import annotations

from decimal import Decimal

from kpiengine import SubjectResult

Value = Decimal | str | bool | None


def _money(value: Decimal, places: int) -> str:
    """Money as text with exactly the currency's minor-unit places, as in the JSON results."""
    return f"{value:.{places}f}"


def _indicators(row: SubjectResult) -> dict[str, Value]:
    found: dict[str, Value] = {}
    for ind in row.indicators.values():
        found[f"{ind.id}.actual"] = ind.actual
        found[f"{ind.id}.target"] = ind.target
        found[f"{ind.id}.attainment"] = ind.attainment
        found[f"{ind.id}.score"] = ind.score
    return found


def _prefixed(prefix: str, items: dict[str, Value]) -> dict[str, Value]:
    return {f"{prefix}.{key}": value for key, value in items.items()}


def result_values(row: SubjectResult, money_places: int) -> dict[str, Value]:
    """Every value of one result under the keys the output's `fields` option uses."""
    return {
        "subject": row.subject,
        "name": row.name,
        "period": row.period,
        "total": row.total,
        "grade": row.grade,
        "grade_name": row.grade_name,
        "payout": _money(row.payout, money_places),
        "honors": "、".join(row.honors),
        "feedback": "\n".join(row.feedback),
        "warnings": "\n".join(row.warnings),
        **_indicators(row),
        **_prefixed("groups", dict(row.groups)),
        **_prefixed("ranks", {k: Decimal(v) for k, v in row.ranks.items()}),
        **_prefixed("metrics", dict(row.metrics)),
        **_prefixed("incentives", {k: _money(v, money_places) for k, v in row.incentives.items()}),
    }

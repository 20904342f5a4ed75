"""Per-person targets: from the targets source or a constant, split over the evaluation periods."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from kpiengine.errors import SourceError
from kpiengine.periods import Period, parse_period
from kpiengine.ruleset import Indicator, Targets
from kpiengine.store import Store
from kpiengine.text import tidy

Target = Decimal | str


@dataclass(frozen=True)
class ResolvedTarget:
    value: Target
    how: str
    """How it was found, for `explain`: "2025: 4000000 split evenly over 4 periods = 1000000"."""


@dataclass(frozen=True)
class TargetRow:
    period: Period
    value: str


TargetTable = Mapping[tuple[str, str], Sequence[TargetRow]]
"""(subject, indicator) → the rows the targets source gave."""


def load_target_rows(store: Store, source: str) -> TargetTable:
    rows: dict[tuple[str, str], list[TargetRow]] = defaultdict(list)
    sql = f"SELECT subject, indicator, period, value FROM {store.view(source)} ORDER BY __row"
    for subject, indicator, period_text, value in store.query(sql):
        period = parse_period(str(period_text or ""))
        if period is None:
            raise SourceError(
                f"targets source '{source}': the period '{period_text}' of subject '{subject}', "
                f"indicator '{indicator}' is not a period (write 2025, 2025-H1, 2025-Q1 or 2025-03)"
            )
        if value is not None and str(value).strip():
            rows[(str(subject), str(indicator))].append(TargetRow(period, str(value).strip()))
    return rows


def _parse(ind: Indicator, row: TargetRow, subject: str) -> Target:
    if ind.levels:
        return row.value
    try:
        return Decimal(row.value.replace(",", ""))
    except InvalidOperation:
        raise SourceError(
            f"targets: the {row.period.id} target of '{ind.id}' for subject '{subject}' is "
            f"'{row.value}', which is not a number"
        ) from None


def _share(period: Period, longer: Period, periods: Sequence[Period], config: Targets) -> Decimal:
    inside = [p for p in periods if longer.contains(p)]
    if config.split == "weights":
        weights = dict(zip((p.id for p in periods), config.weights, strict=False))
        total = sum((weights.get(p.id, Decimal(0)) for p in inside), Decimal(0))
        return weights.get(period.id, Decimal(0)) / total if total else Decimal(0)
    return Decimal(1) / Decimal(len(inside))


def _split_text(config: Targets, share: Decimal) -> str:
    if config.split == "weights":
        return f"by weights ({share:.4%} of it)"
    return f"evenly over {round(1 / share)} periods"


def resolve_target(
    ind: Indicator,
    subject: str,
    period: Period,
    table: TargetTable,
    periods: Sequence[Period],
    config: Targets,
) -> ResolvedTarget | None:
    """The target for one subject, indicator and period, or None when there is none."""
    rows = table.get((subject, ind.id), ())
    exact = [r for r in rows if r.period == period]
    if exact:
        return ResolvedTarget(_parse(ind, exact[-1], subject), f"{period.id} target")
    longer = [r for r in rows if r.period.contains(period)]
    if longer:
        row = min(longer, key=lambda r: r.period.months)
        value = _parse(ind, row, subject)
        if not ind.additive or isinstance(value, str):
            return ResolvedTarget(
                value, f"{row.period.id} target, applies to each period as written"
            )
        share = _share(period, row.period, periods, config)
        split = value * share
        split_how = _split_text(config, share)
        how = f"{row.period.id} target {tidy(value)} split {split_how} = {tidy(split)}"
        return ResolvedTarget(split, how)
    if ind.target is not None:
        return ResolvedTarget(ind.target, "the ruleset's target")
    return _sum_of_shorter(ind, subject, period, rows)


def _sum_of_shorter(
    ind: Indicator, subject: str, period: Period, rows: Sequence[TargetRow]
) -> ResolvedTarget | None:
    inner = [r for r in rows if period.contains(r.period)]
    if not inner or not ind.additive:
        return None
    months = sum(r.period.months for r in inner)
    if months != period.months:
        return None
    values = [_parse(ind, r, subject) for r in inner]
    total = sum((v for v in values if isinstance(v, Decimal)), Decimal(0))
    return ResolvedTarget(total, f"sum of {', '.join(r.period.id for r in inner)} targets")

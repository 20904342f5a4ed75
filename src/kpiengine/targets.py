"""Per-person targets: from the targets source or a constant, split over the evaluation periods."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from fractions import Fraction

from kpiengine.data.store import Store
from kpiengine.errors import SourceError
from kpiengine.plan.periods import Period, parse_period
from kpiengine.plan.ruleset import Indicator, Targets
from kpiengine.plan.workdays import workdays
from kpiengine.text import tidy

Target = Decimal | str


@dataclass(frozen=True)
class ResolvedTarget:
    value: Target
    how: str
    """How it was found, for `explain`: "2025: 4000000 split evenly over 4 periods = 1000000"."""
    whole: Decimal | None = None
    """The longer period's target this is a share of, so later shares multiply exactly."""
    share: Fraction = Fraction(1)


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


def scaled(whole: Decimal, share: Fraction) -> Decimal:
    """whole × share with a single division: 2,480,000 × 59/248 is exactly 590,000."""
    return whole * share.numerator / share.denominator


def _share(period: Period, longer: Period, periods: Sequence[Period], config: Targets) -> Fraction:
    if config.split == "workdays":
        days = workdays(longer.start, longer.end)
        return Fraction(workdays(period.start, period.end), days) if days else Fraction(0)
    inside = [p for p in periods if longer.contains(p)]
    if config.split == "weights":
        weights = dict(zip((p.id for p in periods), config.weights, strict=False))
        total = sum((Fraction(weights.get(p.id, Decimal(0))) for p in inside), Fraction(0))
        return Fraction(weights.get(period.id, Decimal(0))) / total if total else Fraction(0)
    return Fraction(1, len(inside))


def _split_text(config: Targets, share: Fraction, period: Period, longer: Period) -> str:
    if config.split == "weights":
        return f"by weights ({share} of it)"
    if config.split == "workdays":
        days, total = workdays(period.start, period.end), workdays(longer.start, longer.end)
        return f"by working days ({days} of {total})"
    return f"evenly over {round(1 / share)} periods"


def on_board(start: date | None, period: Period, how: str | None) -> Fraction:
    """The share of the period a person who started on `start` was on board.

    months: the months in which they were on board by the 15th count; days: days on board.
    """
    if how is None or start is None or start <= period.start:
        return Fraction(1)
    if start >= period.end:
        return Fraction(0)
    if how == "days":
        return Fraction((period.end - start).days, period.days)
    months = [period_month(period, n) for n in range(period.months)]
    return Fraction(sum(1 for m in months if start <= m.replace(day=15)), period.months)


def period_month(period: Period, n: int) -> date:
    index = period.start.year * 12 + period.start.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def prorated(
    target: ResolvedTarget, ind: Indicator, start: date | None, period: Period, config: Targets
) -> ResolvedTarget:
    """Additive targets shrink for someone who joined during the period; others stay."""
    board = on_board(start, period, config.prorate)
    if board == 1 or not ind.additive or not isinstance(target.value, Decimal):
        return target
    whole = target.whole if target.whole is not None else target.value
    share = target.share * board
    value = scaled(whole, share)
    unit = "days" if config.prorate == "days" else "months"
    how = f"{target.how}; × {board} on board ({unit}, started {start}) = {tidy(value)}"
    return ResolvedTarget(value, how, whole, share)


def resolve_target(
    ind: Indicator,
    subject: str,
    period: Period,
    table: TargetTable,
    periods: Sequence[Period],
    config: Targets,
    start: date | None = None,
) -> ResolvedTarget | None:
    """The target for one subject, indicator and period, or None when there is none.

    A row written for the period is used as written; a longer period's target is split and,
    like a constant additive target, prorated for someone who started during the period.
    """
    rows = table.get((subject, ind.id), ())
    exact = [r for r in rows if r.period == period]
    if exact:
        return ResolvedTarget(_parse(ind, exact[-1], subject), f"{period.id} target")
    found = _split_or_constant(ind, subject, period, rows, periods, config)
    if found is not None:
        return prorated(found, ind, start, period, config)
    return _sum_of_shorter(ind, subject, period, rows)


def _split_or_constant(
    ind: Indicator,
    subject: str,
    period: Period,
    rows: Sequence[TargetRow],
    periods: Sequence[Period],
    config: Targets,
) -> ResolvedTarget | None:
    longer = [r for r in rows if r.period.contains(period)]
    if longer:
        row = min(longer, key=lambda r: r.period.months)
        value = _parse(ind, row, subject)
        if not ind.additive or isinstance(value, str):
            return ResolvedTarget(
                value, f"{row.period.id} target, applies to each period as written"
            )
        share = _share(period, row.period, periods, config)
        split = scaled(value, share)
        split_how = _split_text(config, share, period, row.period)
        how = f"{row.period.id} target {tidy(value)} split {split_how} = {tidy(split)}"
        return ResolvedTarget(split, how, value, share)
    if ind.target is not None:
        return ResolvedTarget(ind.target, "the ruleset's target")
    return None


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

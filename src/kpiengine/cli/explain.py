"""`kpiengine explain`: how each number of one subject's result was derived, back to the records.

Every number shown is read from the plan's columns (the traced run): this module formats, it
does not compute. `--format json` is `kpiengine.cli.explain_json`.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from kpiengine.cli.explain_rows import (
    Row,
    aggregations_of,
    period_of,
    result_rows,
    score_formula,
    subject_rows,
    values_of,
)
from kpiengine.evaluate.derivation import Records, counted_records
from kpiengine.evaluate.engine import Run
from kpiengine.evaluate.marginal import upper
from kpiengine.evaluate.working import indicator_field, slice_parts
from kpiengine.expressions import Expression
from kpiengine.names import (
    GRADE,
    NAME,
    NEXT_BAND,
    PERIOD,
    SUBJECT,
    TO_NEXT_BAND,
    TOTAL,
    group_column,
    honored_column,
    line_column,
    rank_column,
    shown_column,
    target_how_column,
    working_column,
)
from kpiengine.plan.ruleset import Aggregation, Incentive, Indicator, Ruleset
from kpiengine.text import tidy

CURRENCY_SIGNS = {"CNY": "¥", "USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "HKD": "HK$"}


def describe(agg: Aggregation) -> str:
    what = "records" if agg.value is None else agg.value.text
    text = f"{agg.func} of {what} in source '{agg.source}'"
    if agg.where is not None:
        text += f" where {agg.where.text}"
    if agg.date:
        text += f", dated by {agg.date}"
    return text


def record_lines(records: Records, agg: Aggregation) -> Iterator[str]:
    count = records.count
    yield f"    from {count} record{'s' if count != 1 else ''}: {describe(agg)}"
    for record in records.first:
        cells = ", ".join(
            f"{c}={_plain(v)}" for c, v in zip(records.columns, record, strict=True) if c != "owner"
        )
        yield f"      · {cells}"
    if count > len(records.first):
        yield f"      … and {count - len(records.first)} more"


def _plain(value: Any) -> str:
    if value is None:
        return "(empty)"
    return tidy(value) if isinstance(value, Decimal) else str(value)


def percent(rate: Any) -> str:
    return f"{tidy(Decimal(rate) * 100)}%"


def indicator_lines(run: Run, ind: Indicator, row: Row) -> Iterator[str]:
    def col(part: str) -> Any:
        return row.get(f"{ind.id}.{part}")

    yield f"{ind.name} ({ind.id}) — weight {tidy(ind.weight)}"
    yield f"  actual      {tidy(col('actual'))}"
    if isinstance(ind.actual, Expression):
        yield f"    computed as {ind.actual.text}, with {values_of(ind.actual, row)}"
    for name, agg in aggregations_of(run, ind):
        if name:
            yield f"    {name}:"
        records = counted_records(run.store, agg, row[SUBJECT], period_of(run, row))
        yield from record_lines(records, agg)
    how = row.get(target_how_column(ind.id))
    yield f"  target      {tidy(col('target')) if col('target') is not None else 'none'}" + (
        f" — {how}" if how else ""
    )
    yield f"  attainment  {tidy(col('attainment'))}" + attainment_formula(ind, row)
    yield f"  score       {score_formula(ind, row)}"


def attainment_formula(ind: Indicator, row: Row) -> str:
    actual, target = row.get(f"{ind.id}.actual"), row.get(f"{ind.id}.target")
    if row.get(f"{ind.id}.attainment") is None:
        return ""
    if ind.levels:
        return f" = level({actual}) / level({target})"
    if ind.better == "lower":
        return f" = target / actual (lower is better) = {tidy(target)} / {tidy(actual)}"
    return f" = actual / target = {tidy(actual)} / {tidy(target)}"


def grade_lines(run: Run, row: Row) -> Iterator[str]:
    ruleset = run.ruleset
    parts = " + ".join(tidy(row[f"{i.id}.score"]) for i in ruleset.indicators)
    yield f"total  {tidy(row[TOTAL])} = {parts or '0'}"
    grade = row.get(GRADE)
    band = next((g for g in ruleset.grades if g.grade == grade), None)
    if band is None:
        yield "grade  none: the total reaches no band"
    else:
        name = f" {band.name}" if band.name else ""
        yield (
            f"grade  {band.grade}{name}: {tidy(row[TOTAL])} ≥ {tidy(band.min)}, "
            "the first band the total reaches"
        )
    above = row.get(NEXT_BAND)
    if above is not None:
        minimum = next(g.min for g in ruleset.grades if g.grade == above)
        yield (
            f"       next band {above} at {tidy(minimum)}: {tidy(row[TO_NEXT_BAND])} more points"
        )


def money(value: Any, ruleset: Ruleset) -> str:
    sign = CURRENCY_SIGNS.get(ruleset.currency, ruleset.currency + " ")
    return f"{sign}{Decimal(value):,.2f}"


def work(row: Row, inc: Incentive, part: str) -> Any:
    return row.get(working_column(inc.id, part))


def tier_lines(run: Run, inc: Incentive, row: Row) -> Iterator[str]:
    tiers = inc.tiers
    assert tiers is not None and inc.base is not None
    on, base = work(row, inc, "on"), work(row, inc, "base")
    yield f"on = {tiers.on.text} = {tidy(on)}; base = {inc.base.text} = {tidy(base)}"
    if on is None or base is None:
        return
    if tiers.mode == "flat":
        rate = work(row, inc, "rate")
        reached = f"the reached tier's {percent(rate)}"
        yield f"flat: the whole base earns {reached}: {tidy(base)} × {tidy(rate)}"
    else:
        for index, (low, rate) in enumerate(tiers.rates):
            size_part, amount_part = slice_parts(index)
            size = work(row, inc, size_part)
            if not size:
                continue
            high = upper(tiers.rates, index)
            yield (
                f"slice {tidy(low)}–{'∞' if high is None else tidy(high)}: {tidy(size)} at "
                f"{percent(rate)} = {tidy(rate)} × {tidy(base)} × {tidy(size)} / {tidy(on)} = "
                f"{tidy(work(row, inc, amount_part))}"
            )
    yield next_tier_text(run, inc, row)


def next_tier_text(run: Run, inc: Incentive, row: Row) -> str:
    gap, rate = work(row, inc, "next_gap"), work(row, inc, "next_rate")
    assert inc.tiers is not None
    if gap is None:
        return "already in the top tier"
    owner, attr = indicator_field(inc.tiers.on) or (None, None)
    ind = next((i for i in run.ruleset.indicators if i.id == owner), None)
    if ind is not None and attr in ("actual", "attainment"):
        more = gap if attr == "actual" else work(row, inc, "next_actual_gap")
        if more is not None:
            shown = money(more, run.ruleset) if ind.unit == "money" else tidy(more)
            return f"{shown} more {ind.name} reaches the {percent(rate)} tier"
    return f"{inc.tiers.on.text} must rise by {tidy(gap)} to reach the {percent(rate)} tier"


def kind_lines(run: Run, inc: Incentive, row: Row) -> Iterator[str]:
    if inc.tiers is not None and inc.tiers.per == "record":
        summed = tidy(work(row, inc, "raw"))
        yield f"per record: each record's tiers applied on its own, summed = {summed}"
    elif inc.tiers is not None:
        yield from tier_lines(run, inc, row)
    elif inc.curve is not None:
        on, y = work(row, inc, "on"), work(row, inc, "y")
        amount = f"{inc.curve.amount.text} = {tidy(work(row, inc, 'amount'))}"
        yield f"curve at {inc.curve.on.text} = {tidy(on)}: y = {tidy(y)}; amount {amount}"
    elif inc.by_grade is not None:
        listed = "" if str(row.get(GRADE)) in inc.by_grade else " (this grade is not listed)"
        yield f"grade {row.get(GRADE)}: {tidy(work(row, inc, 'raw'))}{listed}"
    if inc.honor is not None:
        won = "among" if row.get(honored_column(inc.id)) else "not among"
        yield f"{won} the top {inc.honor.top} by {inc.honor.rank_by.text}"
    if inc.amount is not None:
        yield f"amount = {inc.amount.text} = {tidy(work(row, inc, 'amount'))}"


def modifier_lines(inc: Incentive, row: Row) -> Iterator[str]:
    if inc.multiplier is not None:
        yield (
            f"× multiplier {inc.multiplier.text} = {tidy(work(row, inc, 'factor'))}: "
            f"{tidy(work(row, inc, 'multiplied'))}"
        )
    if inc.minimum is not None:
        yield f"at least the minimum {tidy(inc.minimum)}: {tidy(work(row, inc, 'floored'))}"
    if inc.cap is not None:
        yield f"at most the cap {tidy(inc.cap)}: {tidy(work(row, inc, 'capped'))}"


def incentive_lines(run: Run, inc: Incentive, row: Row, places: int) -> Iterator[str]:
    amount = row[line_column(inc.id)]
    yield f"{inc.name} ({inc.id})  {amount:.{places}f}"
    if inc.gate is not None:
        holds = "holds" if work(row, inc, "gate") else "does not hold, so this line pays 0"
        yield f"    gate {inc.gate.text} {holds} ({values_of(inc.gate, row)})"
        if not work(row, inc, "gate"):
            return
    for text in [*kind_lines(run, inc, row), *modifier_lines(inc, row)]:
        yield f"    {text}"
    yield f"    = {tidy(work(row, inc, 'unrounded'))}, rounded half-up to {amount:.{places}f}"


def payout_lines(run: Run, row: Row, result: Row) -> Iterator[str]:
    incentives = run.ruleset.incentives
    if not incentives:
        return
    places = run.results.money_places
    yield ""
    for inc in incentives:
        yield from incentive_lines(run, inc, row, places)
    parts = " + ".join(f"{row[line_column(i.id)]:.{places}f}" for i in incentives)
    yield f"payout  {result['payout']} = {parts}"
    honors = [i.name for i in incentives if i.honor is not None and row.get(shown_column(i.id))]
    if honors:
        yield "honors  " + ", ".join(honors)


def explain_row(run: Run, row: Row, result: Row) -> Iterator[str]:
    groups = ", ".join(
        f"{g} {row[group_column(g)]}" for g in run.ruleset.subjects.groups if row[group_column(g)]
    )
    yield f"{row[NAME]} ({row[SUBJECT]}) · {row[PERIOD]}" + (f" · {groups}" if groups else "")
    yield ""
    for ind in run.ruleset.indicators:
        yield from indicator_lines(run, ind, row)
        yield ""
    for warning in result.get("warnings") or []:
        yield f"warning  {warning}"
    yield from grade_lines(run, row)
    ranks = [f"{g} {row[rank_column(g)]}" for g in run.ruleset.subjects.groups]
    if ranks:
        yield "ranks  " + ", ".join(ranks)
    yield from payout_lines(run, row, result)
    for message in result.get("feedback") or []:
        yield f"feedback  {message}"


def explain(run: Run, subject: str) -> list[str]:
    """The explanation of every selected period for one subject, as lines of text."""
    rows = subject_rows(run, subject)
    results = result_rows(run, subject)
    lines: list[str] = []
    for row, result in zip(rows, results, strict=True):
        lines.extend(explain_row(run, row, result))
        lines.append("")
    return lines

"""`kpiengine explain`: how each number of one subject's result was derived, back to the records."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from kpiengine.errors import KpiEngineError
from kpiengine.evaluate.engine import Run
from kpiengine.expressions import Expression, where_sql
from kpiengine.plan.periods import Period
from kpiengine.plan.ruleset import Aggregation, Grade
from kpiengine.rows import Row
from kpiengine.scoring import Scored, grade_of
from kpiengine.sql import ident
from kpiengine.suggest import did_you_mean
from kpiengine.text import tidy

MAX_RECORDS = 20


def describe(agg: Aggregation) -> str:
    what = "records" if agg.value is None else agg.value.text
    text = f"{agg.func} of {what} in source '{agg.source}'"
    if agg.where is not None:
        text += f" where {agg.where.text}"
    if agg.date:
        text += f", dated by {agg.date}"
    return text


def matching_records(
    run: Run, agg: Aggregation, subject: str, period: Period
) -> tuple[list[str], list[tuple[Any, ...]], int]:
    """The first records an aggregation counted for one subject and period, and how many."""
    store = run.store
    columns = sorted(store.fields[agg.source])
    conditions = ["owner = ?"]
    params: list[Any] = [subject]
    if agg.date:
        conditions.append(f"{ident(agg.date)} >= ? AND {ident(agg.date)} < ?")
        params += [period.start, period.end]
    if agg.where is not None:
        conditions.append(where_sql(agg.where, ident))
    where = " AND ".join(conditions)
    view = store.view(agg.source)
    count = store.query(f"SELECT count(*) FROM {view} WHERE {where}", params)[0][0]
    select = ", ".join(ident(c) for c in columns)
    order = f"{ident(agg.date)}, __row" if agg.date else "__row"
    sql = f"SELECT {select} FROM {view} WHERE {where} ORDER BY {order} LIMIT {MAX_RECORDS}"
    return columns, store.query(sql, params), count


def record_lines(run: Run, agg: Aggregation, row: Row) -> Iterator[str]:
    columns, records, count = matching_records(run, agg, row.subject.id, row.period)
    yield f"    from {count} record{'s' if count != 1 else ''}: {describe(agg)}"
    for record in records:
        cells = ", ".join(
            f"{c}={_plain(v)}" for c, v in zip(columns, record, strict=True) if c != "owner"
        )
        yield f"      · {cells}"
    if count > len(records):
        yield f"      … and {count - len(records)} more"


def _plain(value: Any) -> str:
    if value is None:
        return "(empty)"
    return tidy(value) if isinstance(value, Decimal) else str(value)


def expression_lines(expr: Expression, names: dict[str, Any]) -> Iterator[str]:
    values = ", ".join(f"{n} = {tidy(names.get(n))}" for n in sorted(expr.names))
    yield f"    computed as {expr.text}, with {values}"


def indicator_lines(run: Run, row: Row, scored: Scored) -> Iterator[str]:
    ind = scored.indicator
    yield f"{ind.name} ({ind.id}) — weight {tidy(ind.weight)}"
    yield f"  actual      {tidy(scored.actual)}"
    if isinstance(ind.actual, Aggregation):
        yield from record_lines(run, ind.actual, row)
    else:
        yield from expression_lines(ind.actual, row.names())
        for name in sorted(n for n in ind.actual.names if n in run.ruleset.metrics):
            yield f"    {name}:"
            yield from record_lines(run, run.ruleset.metrics[name].aggregation, row)
    target = scored.target
    yield f"  target      {tidy(target.value) if target else 'none'}" + (
        f" — {target.how}" if target else ""
    )
    yield f"  attainment  {tidy(scored.attainment)}" + _attainment_formula(scored)
    yield f"  score       {scored.formula}"
    for warning in scored.warnings:
        yield f"  warning     {warning}"


def _attainment_formula(scored: Scored) -> str:
    if scored.attainment is None or scored.target is None:
        return ""
    ind = scored.indicator
    if ind.levels:
        a, t = ind.levels[str(scored.actual)], ind.levels[str(scored.target.value)]
        return f" = level({scored.actual}) / level({scored.target.value}) = {tidy(a)} / {tidy(t)}"
    if ind.better == "lower":
        values = f"{tidy(scored.target.value)} / {tidy(scored.actual)}"
        return f" = target / actual (lower is better) = {values}"
    return f" = actual / target = {tidy(scored.actual)} / {tidy(scored.target.value)}"


def grade_lines(run: Run, row: Row) -> Iterator[str]:
    parts = " + ".join(
        tidy(s.score)
        for s in sorted(row.scored, key=lambda s: run.ruleset.indicators.index(s.indicator))
    )
    yield f"total  {tidy(row.total)} = {parts}"
    grades = run.ruleset.grades
    grade = grade_of(row.total, grades)
    if grade is None:
        yield "grade  none: the total reaches no band"
        return
    yield (
        f"grade  {grade.grade}{' ' + grade.name if grade.name else ''}: "
        f"{tidy(row.total)} ≥ {tidy(grade.min)}, the first band the total reaches"
    )
    above = _band_above(grades, grade)
    if above is not None:
        yield (
            f"       next band {above.grade} at {tidy(above.min)}: "
            f"{tidy(above.min - row.total)} more points"
        )


def incentive_lines(run: Run, row: Row) -> Iterator[str]:
    if not row.lines:
        return
    places = run.results.money_places
    yield ""
    for line in row.lines:
        inc = line.incentive
        yield f"{inc.name} ({inc.id})  {line.amount:.{places}f}"
        for step in line.working:
            yield f"    {step}"
    parts = " + ".join(f"{line.amount:.{places}f}" for line in row.lines)
    yield f"payout  {row.payout:.{places}f} = {parts}"
    if row.honors:
        yield "honors  " + ", ".join(row.honors)


def _band_above(grades: tuple[Grade, ...], grade: Grade) -> Grade | None:
    index = grades.index(grade)
    return grades[index - 1] if index > 0 else None


def explain_row(run: Run, row: Row) -> Iterator[str]:
    groups = ", ".join(f"{k} {v}" for k, v in row.subject.groups.items())
    yield f"{row.subject.name} ({row.subject.id}) · {row.period.id}" + (
        f" · {groups}" if groups else ""
    )
    yield ""
    for scored in sorted(row.scored, key=lambda s: run.ruleset.indicators.index(s.indicator)):
        yield from indicator_lines(run, row, scored)
        yield ""
    yield from grade_lines(run, row)
    if row.ranks:
        yield "ranks  " + ", ".join(f"{g} {r}" for g, r in row.ranks.items())
    yield from incentive_lines(run, row)
    for message in row.feedback:
        yield f"feedback  {message}"


def explain(run: Run, subject: str) -> list[str]:
    """The explanation of every selected period for one subject, as lines of text."""
    rows = [r for r in run.rows if r.subject.id == subject]
    if not rows:
        ids = sorted({r.subject.id for r in run.rows})
        raise KpiEngineError(f"there is no subject '{subject}'{did_you_mean(subject, ids)}")
    lines: list[str] = []
    for row in rows:
        lines.extend(explain_row(run, row))
        lines.append("")
    return lines

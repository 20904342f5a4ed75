"""A run: fetch sources, aggregate on DuckDB, score each subject × period, rank, give feedback."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import duckdb

from kpiengine.aggregate import Values, run_aggregations
from kpiengine.data.store import Store, open_store
from kpiengine.data.subjects import Subject, load_subjects
from kpiengine.errors import KpiEngineError
from kpiengine.evaluate import evaluate_columnar
from kpiengine.group_results import attach_group_names, group_rows, register_members
from kpiengine.honors import honored
from kpiengine.money import minor_units
from kpiengine.payouts import evaluate_line
from kpiengine.phases import phase
from kpiengine.plan.fieldtypes import required_fields
from kpiengine.plan.periods import Period, calendar_periods
from kpiengine.plan.ruleset import Ruleset
from kpiengine.plugins import Registry
from kpiengine.ranking import ranks_within
from kpiengine.results import ResultTable
from kpiengine.results.model import Results
from kpiengine.rows import GroupRow, Row, all_aggregations, metric_values
from kpiengine.scoring import compared, score_indicators, total_of
from kpiengine.suggest import did_you_mean
from kpiengine.targets import TargetTable, load_target_rows, resolve_target


@dataclass
class Run:
    """Everything a run worked out: the results, and the store and rows `explain` reads."""

    ruleset: Ruleset
    periods: tuple[Period, ...]
    store: Store
    rows: list[Row]
    results: Results
    notes: list[str]


def select_periods(ruleset: Ruleset, wanted: Sequence[str]) -> tuple[Period, ...]:
    periods = calendar_periods(ruleset.calendar)
    if not wanted:
        return periods
    ids = [p.id for p in periods]
    for period in wanted:
        if period not in ids:
            raise KpiEngineError(
                f"there is no period '{period}' in this ruleset{did_you_mean(period, ids)} "
                f"(periods: {', '.join(ids)})"
            )
    return tuple(p for p in periods if p.id in wanted)


def make_row(
    ruleset: Ruleset,
    subject: Subject,
    period: Period,
    values: Values,
    targets: TargetTable,
    periods: Sequence[Period],
) -> Row:
    cell = values.get((subject.id, period.id), {})
    metrics = metric_values(ruleset, cell)

    def target_of(ind: Any) -> Any:
        return resolve_target(
            ind, subject.id, period, targets, periods, ruleset.targets, subject.start
        )

    scored = score_indicators(ruleset, cell, metrics, target_of, period.id)
    total = total_of(scored)
    return Row(subject, period, metrics, scored, total, cell)


def add_ranks(ruleset: Ruleset, rows: list[Row]) -> None:
    totals = {r.key: compared(r.total) for r in rows}
    for group in ruleset.subjects.groups:
        group_of = {r.key: f"{r.period.id}\x00{r.subject.groups.get(group, '')}" for r in rows}
        ranks = ranks_within([r.key for r in rows], totals, group_of)
        for row in rows:
            row.ranks[group] = ranks[row.key]


def add_incentives(ruleset: Ruleset, rows: list[Row]) -> None:
    """Honors first (they rank everyone), then every incentive line of every row."""
    by_key = {r.key: r for r in rows}
    names = {r.key: r.result_names(ruleset) for r in rows}
    places = minor_units(ruleset.currency)
    for inc in ruleset.incentives:
        chosen: set[tuple[str, str]] = set()
        if inc.honor is not None:
            pool = ((r.key, r.period.id, r.subject.groups) for r in rows)
            chosen = honored(inc.honor, pool, names.__getitem__)
        for key, row in by_key.items():
            line = evaluate_line(inc, names[key], row.values, key in chosen, ruleset, places)
            row.lines.append(line)
            if key in chosen and line.applies:  # a failed gate withholds the title too
                row.honors.append(inc.name)


def add_feedback(ruleset: Ruleset, row: Row) -> None:
    names = row.result_names(ruleset)
    for item in ruleset.feedback:
        if item.when.evaluate(names) is True:
            row.feedback.append(item.message.render(names))


def unmatched_owners(store: Store, ruleset: Ruleset, subjects: list[Subject]) -> list[str]:
    """Records whose owner is nobody evaluated: said once per source, never dropped silently."""
    ids = [s.id for s in subjects]
    notes = []
    for source in sorted({a.source for a in all_aggregations(ruleset)}):
        view = store.view(source)
        sql = f"SELECT count(*) FROM {view} WHERE owner IS NULL OR owner NOT IN (SELECT unnest(?))"
        count = store.query(sql, [ids])[0][0]
        if count:
            notes.append(
                f"source '{source}': {count} records belong to no subject and are not counted"
            )
    return notes


def traced_rows(
    ruleset: Ruleset,
    store: Store,
    subjects: list[Subject],
    periods: Sequence[Period],
    all_periods: Sequence[Period],
) -> tuple[list[Row], list[GroupRow]]:
    """The row evaluator: one subject at a time, keeping the working `explain` shows."""
    values = run_aggregations(store, all_aggregations(ruleset), ruleset.calendar.frequency, periods)
    targets = load_target_rows(store, ruleset.targets.source) if ruleset.targets.source else {}
    rows = [
        make_row(ruleset, s, p, values, targets, all_periods) for p in periods for s in subjects
    ]
    add_ranks(ruleset, rows)
    register_members(store, subjects, ruleset.subjects.groups)
    groups = group_rows(ruleset, store, rows, periods)
    attach_group_names(rows, groups)
    add_incentives(ruleset, rows)
    for row in rows:
        add_feedback(ruleset, row)
    return rows, groups


def make_results(ruleset: Ruleset, periods: Sequence[Period], table: ResultTable) -> Results:
    return Results(
        ruleset_name=ruleset.name,
        ruleset_sha256=ruleset.sha256,
        locale=ruleset.locale,
        currency=ruleset.currency,
        periods=tuple(p.id for p in periods),
        table=table,
    )


def _columnar(
    ruleset: Ruleset,
    store: Store,
    subjects: list[Subject],
    periods: Sequence[Period],
    all_periods: Sequence[Period],
) -> ResultTable:
    try:
        return evaluate_columnar(ruleset, store, subjects, periods, all_periods)
    except duckdb.ConversionException as exc:  # a record's value, not the engine: say which
        detail = str(exc).splitlines()[0].removeprefix("Conversion Error: ")
        raise KpiEngineError(
            f"a value in the data does not fit how the ruleset uses it: {detail}"
        ) from exc


def evaluate(
    ruleset: Ruleset, registry: Registry, period_ids: Sequence[str] = (), *, trace: bool = False
) -> Run:
    """Run the plan; raises KpiEngineError with a clear message on any user-facing failure.

    The results come from the columnar evaluator; with `trace` (for `explain`) the row
    evaluator also runs, to keep each row's working.
    """
    periods = select_periods(ruleset, period_ids)
    all_periods = calendar_periods(ruleset.calendar)
    span = (all_periods[0].start, all_periods[-1].end)
    with phase("reading the sources"):
        store = open_store(ruleset, registry, required_fields(ruleset), span)
        subjects = load_subjects(store, ruleset.subjects)
    rows: list[Row] = []
    with phase(f"scoring {len(subjects):,} people × {len(periods)} periods"):
        if trace:
            rows, _ = traced_rows(ruleset, store, subjects, periods, all_periods)
        table = _columnar(ruleset, store, subjects, periods, all_periods)
        results = make_results(ruleset, periods, table)
    notes = [*store.notes, *unmatched_owners(store, ruleset, subjects)]
    return Run(ruleset, periods, store, rows, results, notes)

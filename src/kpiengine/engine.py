"""A run: fetch sources, aggregate on DuckDB, score each subject × period, rank, give feedback."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from kpiengine.aggregate import Values, empty_value, run_aggregations
from kpiengine.errors import KpiEngineError
from kpiengine.fieldtypes import required_fields
from kpiengine.honors import honored
from kpiengine.money import minor_units
from kpiengine.payouts import Line, evaluate_line
from kpiengine.periods import Period, calendar_periods
from kpiengine.plugins import Registry
from kpiengine.ranking import ranks_within
from kpiengine.record_tiers import record_payout
from kpiengine.results import IndicatorResult, Results, SubjectResult
from kpiengine.ruleset import Aggregation, Ruleset
from kpiengine.scoring import Scored, grade_of, indicator_names, score_indicators
from kpiengine.store import Store, open_store
from kpiengine.subjects import Subject, load_subjects
from kpiengine.suggest import did_you_mean
from kpiengine.targets import TargetTable, load_target_rows, resolve_target


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

    @property
    def key(self) -> tuple[str, str]:
        return (self.subject.id, self.period.id)

    def names(self) -> dict[str, Any]:
        names = dict(self.metrics)
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


def all_aggregations(ruleset: Ruleset) -> list[Aggregation]:
    aggs = [m.aggregation for m in ruleset.metrics.values()]
    aggs += [i.actual for i in ruleset.indicators if isinstance(i.actual, Aggregation)]
    return aggs + [a for i in ruleset.incentives if (a := record_payout(i)) is not None]


def metric_values(ruleset: Ruleset, values: Mapping[str, Any]) -> dict[str, Any]:
    return {
        mid: values.get(m.aggregation.rule, empty_value(m.aggregation))
        for mid, m in ruleset.metrics.items()
    }


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
    total = sum((s.score for s in scored), Decimal(0))
    return Row(subject, period, metrics, scored, total, cell)


def add_ranks(ruleset: Ruleset, rows: list[Row]) -> None:
    totals = {r.key: r.total for r in rows}
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
            if key in chosen:
                row.honors.append(inc.name)


def add_feedback(ruleset: Ruleset, row: Row) -> None:
    names = row.result_names(ruleset)
    for item in ruleset.feedback:
        if item.when.evaluate(names) is True:
            row.feedback.append(item.message.render(names))


def to_result(ruleset: Ruleset, row: Row) -> SubjectResult:
    grade = grade_of(row.total, ruleset.grades)
    indicators = {
        s.indicator.id: IndicatorResult(
            id=s.indicator.id,
            name=s.indicator.name,
            unit=s.indicator.unit,
            actual=s.actual,
            target=s.target.value if s.target else None,
            attainment=s.attainment,
            score=s.score,
            weight=s.indicator.weight,
        )
        for s in sorted(row.scored, key=lambda s: ruleset.indicators.index(s.indicator))
    }
    return SubjectResult(
        subject=row.subject.id,
        name=row.subject.name,
        period=row.period.id,
        groups=row.subject.groups,
        indicators=indicators,
        metrics=row.metrics,
        total=row.total,
        grade=grade.grade if grade else None,
        grade_name=grade.name if grade else None,
        ranks=row.ranks,
        feedback=tuple(row.feedback),
        incentives={line.incentive.id: line.amount for line in row.lines},
        payout=row.payout,
        honors=tuple(row.honors),
        warnings=tuple(w for s in row.scored for w in s.warnings),
    )


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


def evaluate(ruleset: Ruleset, registry: Registry, period_ids: Sequence[str] = ()) -> Run:
    """Run the plan; raises KpiEngineError with a clear message on any user-facing failure."""
    periods = select_periods(ruleset, period_ids)
    all_periods = calendar_periods(ruleset.calendar)
    store = open_store(
        ruleset, registry, required_fields(ruleset), (all_periods[0].start, all_periods[-1].end)
    )
    subjects = load_subjects(store, ruleset.subjects)
    values = run_aggregations(store, all_aggregations(ruleset), ruleset.calendar.frequency, periods)
    targets = load_target_rows(store, ruleset.targets.source) if ruleset.targets.source else {}
    rows = [
        make_row(ruleset, s, p, values, targets, all_periods) for p in periods for s in subjects
    ]
    add_ranks(ruleset, rows)
    add_incentives(ruleset, rows)
    for row in rows:
        add_feedback(ruleset, row)
    results = Results(
        ruleset_name=ruleset.name,
        ruleset_sha256=ruleset.sha256,
        locale=ruleset.locale,
        currency=ruleset.currency,
        money_places=minor_units(ruleset.currency),
        periods=tuple(p.id for p in periods),
        rows=tuple(to_result(ruleset, r) for r in rows),
    )
    notes = [*store.notes, *unmatched_owners(store, ruleset, subjects)]
    return Run(ruleset, periods, store, rows, results, notes)

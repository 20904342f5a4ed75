"""A run: fetch the sources, evaluate the plan on DuckDB, and hand over the results."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib.metadata import version

from kpiengine.checks import Check, ChecksFailed, failing, ordered
from kpiengine.checks.run import data_checks, result_checks
from kpiengine.data.store import Store, open_store
from kpiengine.data.subjects import Subject, load_subjects
from kpiengine.errors import KpiEngineError
from kpiengine.evaluate.checked import NUMERIC_FAILURES, diagnosed
from kpiengine.evaluate.plan import Evaluation, evaluate_columnar
from kpiengine.phases import phase
from kpiengine.plan.fieldtypes import required_fields
from kpiengine.plan.periods import Period, calendar_periods, calendar_span
from kpiengine.plan.ruleset import Ruleset
from kpiengine.plugins import Registry
from kpiengine.results.model import Results
from kpiengine.results.run_id import run_id
from kpiengine.suggest import did_you_mean


@dataclass
class Run:
    """Everything a run worked out: the results, and (traced) the store and frames `explain`
    reads the working from."""

    ruleset: Ruleset
    periods: tuple[Period, ...]
    store: Store
    results: Results
    evaluation: Evaluation

    @property
    def checks(self) -> tuple[Check, ...]:
        """What the data checks found (docs/results.md), errors first."""
        return self.results.checks


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


def make_results(
    ruleset: Ruleset,
    periods: Sequence[Period],
    evaluation: Evaluation,
    checks: Sequence[Check],
    digests: Mapping[str, str],
) -> Results:
    ids = tuple(p.id for p in periods)
    return Results(
        ruleset_name=ruleset.name,
        ruleset_sha256=ruleset.sha256,
        locale=ruleset.locale,
        currency=ruleset.currency,
        periods=ids,
        table=evaluation.table,
        checks=ordered(checks),
        run_id=run_id(version("kpiengine"), ruleset.sha256, ids, digests),
    )


def _columnar(
    ruleset: Ruleset,
    store: Store,
    subjects: list[Subject],
    periods: Sequence[Period],
    all_periods: Sequence[Period],
    trace: bool,
) -> Evaluation:
    try:
        return evaluate_columnar(ruleset, store, subjects, periods, all_periods, trace=trace)
    except NUMERIC_FAILURES as exc:  # find the rule and the subject it failed for
        raise diagnosed(
            exc,
            lambda: evaluate_columnar(
                ruleset, store, subjects, periods, all_periods, trace=trace, checked=True
            ),
        ) from exc


def evaluate(
    ruleset: Ruleset, registry: Registry, period_ids: Sequence[str] = (), *, trace: bool = False
) -> Run:
    """Run the plan; raises KpiEngineError with a clear message on any user-facing failure.

    Everything is computed by the one columnar plan; with `trace` (for `explain`) its frames
    also keep the working of each number.
    """
    periods = select_periods(ruleset, period_ids)
    all_periods = calendar_periods(ruleset.calendar)
    with phase("reading the sources"):
        store = open_store(
            ruleset, registry, required_fields(ruleset), calendar_span(ruleset.calendar)
        )
        subjects = load_subjects(store, ruleset.subjects)
    with phase("checking the data"):
        checks = data_checks(ruleset, store, subjects, periods)
    stopping = failing(checks, strict=False)
    if stopping:
        store.close()
        raise ChecksFailed(stopping)
    with phase(f"scoring {len(subjects):,} people × {len(periods)} periods"):
        evaluation = _columnar(ruleset, store, subjects, periods, all_periods, trace)
        checks += result_checks(ruleset, evaluation.people)
        results = make_results(ruleset, periods, evaluation, checks, store.digests)
    return Run(ruleset, periods, store, results, evaluation)

"""`validate --data`: fetch every source (through the cache, as a run does) and run the data
checks without evaluating the plan, so a new month's export can be checked before the run."""

from __future__ import annotations

from collections.abc import Sequence

from kpiengine.checks.model import Check, ordered
from kpiengine.checks.run import data_checks
from kpiengine.data.store import open_store
from kpiengine.data.subjects import load_subjects
from kpiengine.evaluate.engine import select_periods
from kpiengine.plan.fieldtypes import required_fields
from kpiengine.plan.periods import calendar_span
from kpiengine.plan.ruleset import Ruleset
from kpiengine.plugins import Registry


def check_sources(
    ruleset: Ruleset, registry: Registry, period_ids: Sequence[str] = ()
) -> tuple[Check, ...]:
    """Every data check's findings for the periods (all of the calendar's by default), errors
    first. Raises KpiEngineError when a source cannot be fetched at all."""
    periods = select_periods(ruleset, period_ids)
    span = calendar_span(ruleset.calendar)
    store = open_store(ruleset, registry, required_fields(ruleset), span)
    try:
        subjects = load_subjects(store, ruleset.subjects)
        return ordered(data_checks(ruleset, store, subjects, periods))
    finally:
        store.close()

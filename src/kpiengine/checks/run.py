"""All the checks of a run, in one place: those on the data before the plan is evaluated (an
error stops the run there), and those on the results."""

from __future__ import annotations

from collections.abc import Sequence

from kpiengine.checks.counted import counted_checks
from kpiengine.checks.literals import literal_checks
from kpiengine.checks.model import Check
from kpiengine.checks.owners import owner_checks
from kpiengine.checks.records import record_checks
from kpiengine.checks.scope import Scope
from kpiengine.checks.targets import missing_target_checks, target_row_checks
from kpiengine.checks.weights import weight_checks
from kpiengine.data.store import Store
from kpiengine.data.subjects import Subject
from kpiengine.evaluate.frame import Frame
from kpiengine.plan.periods import Period
from kpiengine.plan.ruleset import Ruleset


def data_checks(
    ruleset: Ruleset, store: Store, subjects: Sequence[Subject], periods: Sequence[Period]
) -> list[Check]:
    """What the data does not say the way the plan assumes: empty sources, text no record has,
    unknown owners, blank values, target rows the plan cannot place, and what sources noted."""
    scope = Scope(ruleset, store, tuple(s.id for s in subjects), tuple(periods))
    found = record_checks(scope)
    empty = {c.source for c in found if c.code == "source-empty"}
    if ruleset.subjects.source in empty:
        return found + source_notes(store)
    found += literal_checks(scope)
    found += owner_checks(scope)
    found += counted_checks(scope)
    if ruleset.targets.source not in empty:
        found += target_row_checks(scope)
    return found + weight_checks(ruleset) + source_notes(store)


def result_checks(ruleset: Ruleset, people: Frame) -> list[Check]:
    """What the results show the data lacked: subjects without a target."""
    return missing_target_checks(ruleset, people)


def source_notes(store: Store) -> list[Check]:
    """What the source plugins and the cache said while fetching (rows set aside, records read
    from the cache), each under the source it is about."""
    return list(store.notes)

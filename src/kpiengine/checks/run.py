"""All the checks of a run, in one place: those on the data before the plan is evaluated (an
error stops the run there), and those on the results."""

from __future__ import annotations

from collections.abc import Sequence

from kpiengine.checks.census import Census
from kpiengine.checks.counted import ask_outside, counted_checks, outside_checks
from kpiengine.checks.literals import ask_literals, literal_checks
from kpiengine.checks.model import Check
from kpiengine.checks.owners import owner_checks
from kpiengine.checks.records import ask_records, record_checks
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
    unknown owners, blank values, target rows the plan cannot place, and what sources noted.

    The counts come from one scan of each source (`Census`); a check looks further (which
    records, which values) only where it found something."""
    scope = Scope(ruleset, store, tuple(s.id for s in subjects), tuple(periods))
    census = Census(store)
    for ask in (ask_records, ask_literals, ask_outside):
        ask(scope, census)
    census.take()
    found = record_checks(scope, census)
    empty = {c.source for c in found if c.code == "source-empty"}
    if ruleset.subjects.source in empty:
        return found + source_notes(store)
    found += literal_checks(scope, census)
    found += owner_checks(scope)
    found += counted_checks(scope) + outside_checks(scope, census)
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

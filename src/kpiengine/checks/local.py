"""`validate`'s look at the targets rows when they are a local file: read without a network or a
secret, so two rows for the same cell are caught before the plan runs (a network source, or a
file named by an unset `${NAME}`, is checked when the plan runs, or by `validate --data`)."""

from __future__ import annotations

from kpiengine.checks.model import Check
from kpiengine.checks.scope import Scope
from kpiengine.checks.targets import duplicate_targets
from kpiengine.data.store import open_store
from kpiengine.plan.envvars import UnsetVariableError, resolve
from kpiengine.plan.fieldtypes import required_fields
from kpiengine.plan.periods import calendar_periods, calendar_span
from kpiengine.plan.ruleset import Ruleset
from kpiengine.plugins import Registry


def local_target_checks(ruleset: Ruleset, registry: Registry) -> list[Check]:
    """Duplicate target rows in a local targets file (an error each)."""
    source = ruleset.targets.source
    if source is None or registry.source(ruleset.sources[source].plugin).cacheable:
        return []
    try:  # a `${NAME}` not set now is resolved when the plan runs: then the run checks
        resolve(ruleset.sources[source].options, f"sources.{source}.options")
    except UnsetVariableError:
        return []
    needed = {source: required_fields(ruleset)[source]}
    store = open_store(ruleset, registry, needed, calendar_span(ruleset.calendar))
    try:
        scope = Scope(ruleset, store, (), calendar_periods(ruleset.calendar))
        found = duplicate_targets(scope, source)
        return [] if found is None else [found]
    finally:
        store.close()

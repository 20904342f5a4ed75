"""Checks on the targets source's rows that hold whatever the plan is: one row per subject,
indicator and period. Two rows for the same cell would leave the plan to pick one silently."""

from __future__ import annotations

from kpiengine.data.store import Store, open_store
from kpiengine.errors import SourceError
from kpiengine.names import RECORD
from kpiengine.plan.envvars import UnsetVariableError, resolve
from kpiengine.plan.fieldtypes import required_fields
from kpiengine.plan.periods import calendar_span
from kpiengine.plan.ruleset import Ruleset
from kpiengine.plugins import Registry
from kpiengine.sql import ident

SHOWN = 5
"""Duplicates named in one message; the count says how many more there are."""


def check_unique_targets(store: Store, source: str) -> None:
    """Refuse two target rows for the same subject, indicator and period, naming both lines."""
    record = ident(RECORD)
    sql = (
        f"SELECT subject, indicator, period, list({record} ORDER BY {record}) AS rows, "
        f"count(*) OVER () AS cells FROM {store.view(source)} "
        "GROUP BY subject, indicator, period HAVING count(*) > 1 "
        f"ORDER BY min({record}) LIMIT {SHOWN}"
    )
    found = store.query(sql)
    if not found:
        return
    lines = [_duplicate(store, source, row) for row in found]
    more = int(found[0][4]) - len(found)
    tail = f"; and {more} more" if more > 0 else ""
    raise SourceError(
        f"targets source '{source}': {'; '.join(lines)}{tail} — keep one row for each "
        "subject, indicator and period"
    )


def _duplicate(store: Store, source: str, row: tuple[object, ...]) -> str:
    subject, indicator, period, positions = row[0], row[1], row[2], row[3]
    assert isinstance(positions, list)
    places = store.locate(source, [int(p) for p in positions])
    return (
        f"the {period} target of '{indicator}' for subject '{subject}' is given "
        f"{len(places)} times ({', '.join(places)})"
    )


def check_local_targets(ruleset: Ruleset, registry: Registry) -> None:
    """`validate`'s check of the target rows, for a targets source that is a local file (a
    network source, or a file named by an unset `${NAME}`, is checked when the plan runs:
    validating reaches no API and needs no secret)."""
    source = ruleset.targets.source
    if source is None or registry.source(ruleset.sources[source].plugin).cacheable:
        return
    try:  # a `${NAME}` not set now is resolved when the plan runs: then the run checks
        resolve(ruleset.sources[source].options, f"sources.{source}.options")
    except UnsetVariableError:
        return
    needed = {source: required_fields(ruleset)[source]}
    store = open_store(ruleset, registry, needed, calendar_span(ruleset.calendar))
    try:
        check_unique_targets(store, source)
    finally:
        store.close()

"""Sources with no records, or none in the evaluated periods."""

from __future__ import annotations

from kpiengine.checks.census import Census
from kpiengine.checks.model import Check
from kpiengine.checks.scope import Scope, plural
from kpiengine.sql import ident


def _empty(scope: Scope, source: str) -> Check:
    spec = scope.ruleset.sources[source]
    if source == scope.ruleset.subjects.source:
        return Check(
            "source-empty",
            "error",
            f"source '{source}' (plugin '{spec.plugin}') has no records, so there is no one "
            "to evaluate — check the file or the query it reads",
            source,
            {"records": 0},
        )
    return Check(
        "source-empty",
        "warning",
        f"source '{source}' (plugin '{spec.plugin}') has no records: every result it feeds is "
        "empty — check the file or the query it reads",
        source,
        {"records": 0},
    )


def _none_in_periods(scope: Scope, source: str, total: int) -> Check:
    """No record dated in the evaluated periods: every result from the source would be empty."""
    return Check(
        "no-records-in-periods",
        "warning",
        f"source '{source}': none of its {plural(total, 'record')} is dated in "
        f"{scope.window_text} ({_dates(scope, source)}) — check the export's dates",
        source,
        {"records": total, "in_periods": 0},
    )


def _dates(scope: Scope, source: str) -> str:
    parts = []
    for field in scope.dates(source):
        column = ident(field)
        low, high = scope.store.query(
            f"SELECT min({column}), max({column}) FROM {scope.store.view(source)}"
        )[0]
        parts.append(f"{field} from {low} to {high}" if low else f"{field} blank in all")
    return "; ".join(parts)


def _sources(scope: Scope) -> list[str]:
    sources = {scope.ruleset.subjects.source, *scope.aggregated_sources()}
    if scope.ruleset.targets.source:
        sources.add(scope.ruleset.targets.source)
    return sorted(sources)


def ask_records(scope: Scope, census: Census) -> None:
    """How many records each source has, and how many are dated in the evaluated periods."""
    for source in _sources(scope):
        census.ask(source, "records", "TRUE")
        if scope.dates(source):
            census.ask(source, "in periods", *scope.in_window(source))


def record_checks(scope: Scope, census: Census) -> list[Check]:
    """Empty sources (the subjects' is an error: there is no one to evaluate), and sources with
    no record in the evaluated periods."""
    checks = []
    for source in _sources(scope):
        total = census[source, "records"]
        if total == 0:
            checks.append(_empty(scope, source))
        elif scope.dates(source) and census[source, "in periods"] == 0:
            checks.append(_none_in_periods(scope, source, total))
    return checks

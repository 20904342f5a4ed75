"""Records whose owner is no one evaluated: not counted, so said with the values and the lines."""

from __future__ import annotations

from kpiengine.checks.model import Check
from kpiengine.checks.scope import SHOWN, Scope, agree, listed, plural
from kpiengine.names import RECORD
from kpiengine.sql import ident
from kpiengine.suggest import did_you_mean

_UNKNOWN = "(owner IS NULL OR trim(owner) = '' OR owner NOT IN (SELECT unnest(?)))"


def _values(scope: Scope, source: str, where: str, params: list[object]) -> list[str]:
    """The first unknown owners, each with how many records have it and where the first is."""
    record = ident(RECORD)
    sql = (
        f"SELECT owner, count(*), min({record}) AS first FROM {scope.store.view(source)} "
        f"WHERE {where} GROUP BY owner ORDER BY first LIMIT {SHOWN}"
    )
    shown = []
    for owner, count, first in scope.store.query(sql, params):
        place = scope.places(source, [first])[0]
        if owner is None or not str(owner).strip():
            shown.append(f"a blank owner ×{count} (first {place})")
            continue
        hint = did_you_mean(str(owner), scope.subject_ids).removeprefix(" — ")
        hint = f", {hint}" if hint else ""
        shown.append(f"'{owner}' ×{count} (first {place}{hint})")
    return shown


def owner_checks(scope: Scope) -> list[Check]:
    """A warning per aggregated source with records in the evaluated periods that belong to no
    subject: how many, the first few owners (with did-you-mean) and where they are."""
    checks = []
    for source in scope.aggregated_sources():
        window, params = scope.in_window(source)
        where = f"{window} AND {_UNKNOWN}"
        params = [*params, list(scope.subject_ids)]
        count, first = scope.first_records(source, where, params)
        if not count:
            continue
        distinct_sql = f"SELECT count(DISTINCT owner) FROM {scope.store.view(source)} WHERE {where}"
        owners = int(scope.store.query(distinct_sql, params)[0][0])
        values = _values(scope, source, where, params)
        checks.append(
            Check(
                "owner-unknown",
                "warning",
                f"source '{source}': {plural(count, 'record')} in {scope.window_text} "
                f"{agree(count, 'belongs', 'belong')} to no subject and "
                f"{agree(count, 'is', 'are')} not counted: owner "
                f"{listed(values, max(owners, len(values)))} — correct the owner or add the "
                "person to the subjects",
                source,
                {"records": count, "owners": owners},
                tuple(first),
            )
        )
    return checks

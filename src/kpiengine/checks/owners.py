"""Records whose owner is no one evaluated: not counted, so said with the values and the lines."""

from __future__ import annotations

from dataclasses import dataclass

from kpiengine.checks.model import Check
from kpiengine.checks.scope import SHOWN, Scope, agree, listed, plural
from kpiengine.names import RECORD
from kpiengine.sql import ident
from kpiengine.suggest import did_you_mean


@dataclass(frozen=True)
class Stranger:
    """An owner value no subject has: how many records in the periods, and the first one."""

    owner: str | None
    records: int
    first: int


def _strangers(scope: Scope, source: str) -> list[Stranger]:
    """The source's owners that are blank or no subject, in the order they first appear: one
    pass grouping the records by owner, compared with the subjects afterwards."""
    window, params = scope.in_window(source)
    record = ident(RECORD)
    sql = (
        f"SELECT owner, count(*), min({record}) FROM {scope.store.view(source)} "
        f"WHERE {window} GROUP BY owner"
    )
    known = set(scope.subject_ids)
    found = [
        Stranger(owner, int(count), int(first))
        for owner, count, first in scope.store.query(sql, params)
        if count and (owner is None or not owner.strip() or owner not in known)
    ]
    return sorted(found, key=lambda s: s.first)


def _shown(scope: Scope, source: str, stranger: Stranger, place: str) -> str:
    if stranger.owner is None or not stranger.owner.strip():
        return f"a blank owner ×{stranger.records} (first {place})"
    hint = did_you_mean(stranger.owner, scope.subject_ids).removeprefix(" — ")
    return f"'{stranger.owner}' ×{stranger.records} (first {place}{', ' + hint if hint else ''})"


def _check(scope: Scope, source: str, strangers: list[Stranger]) -> Check:
    count = sum(s.records for s in strangers)
    first = strangers[:SHOWN]
    places = scope.places(source, [s.first for s in first])
    shown = [_shown(scope, source, s, p) for s, p in zip(first, places, strict=True)]
    return Check(
        "owner-unknown",
        "warning",
        f"source '{source}': {plural(count, 'record')} in {scope.window_text} "
        f"{agree(count, 'belongs', 'belong')} to no subject and {agree(count, 'is', 'are')} "
        f"not counted: owner {listed(shown, len(strangers))} — correct the owner or add the "
        "person to the subjects",
        source,
        {"records": count, "owners": len(strangers)},
        tuple(places),
    )


def owner_checks(scope: Scope) -> list[Check]:
    """A warning per aggregated source with records in the evaluated periods that belong to no
    subject: how many, the first few owners (with did-you-mean) and where they are."""
    checks = []
    for source in scope.aggregated_sources():
        strangers = _strangers(scope, source)
        if strangers:
            checks.append(_check(scope, source, strangers))
    return checks

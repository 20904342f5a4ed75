"""The targets source's rows: each names a subject, an indicator and a period of the plan, once.
A row the plan cannot place would be ignored, and its subject scored 0 for want of a target."""

from __future__ import annotations

from collections.abc import Sequence

from kpiengine.checks.model import Check
from kpiengine.checks.scope import SHOWN, Scope, agree, listed, plural
from kpiengine.evaluate.frame import Frame
from kpiengine.names import PERIOD, PIDX, RECORD, SUBJECT
from kpiengine.plan.periods import calendar_span, parse_period
from kpiengine.plan.ruleset import Ruleset
from kpiengine.sql import ident
from kpiengine.suggest import did_you_mean

_FIX = "correct the row or remove it"


def _unknown(
    scope: Scope, source: str, column: str, known: Sequence[str], code: str, fix: str = _FIX
) -> Check | None:
    """Rows whose `column` is not among `known`: the first values, with did-you-mean."""
    view, record = scope.store.view(source), ident(RECORD)
    sql = (
        f"SELECT {column}, count(*), min({record}) AS first, count(*) OVER () FROM {view} "
        f"WHERE coalesce({column}, '') NOT IN (SELECT unnest(?)) "
        f"GROUP BY {column} ORDER BY first"
    )
    rows = scope.store.query(sql, [list(known)])
    if not rows:
        return None
    count = sum(int(r[1]) for r in rows)
    shown = [_value(scope, source, r, known) for r in rows[:SHOWN]]
    firsts = scope.places(source, [r[2] for r in rows[:SHOWN]])
    return Check(
        code,
        "error",
        f"targets source '{source}': {plural(count, 'row')} name a {column} the plan does not "
        f"have: {listed(shown, len(rows))} — {fix}",
        source,
        {"rows": count, "values": len(rows)},
        tuple(firsts),
    )


def _value(scope: Scope, source: str, row: tuple[object, ...], known: Sequence[str]) -> str:
    value, count, first = row[0], int(str(row[1])), row[2]
    place = scope.places(source, [first])[0]
    shown = "a blank" if value is None or not str(value).strip() else f"'{value}'"
    hint = did_you_mean(str(value or ""), known).removeprefix(" — ")
    return f"{shown} ×{count} ({place}{', ' + hint if hint else ''})"


def _plan_periods(scope: Scope, source: str) -> list[str]:
    """The period texts in the rows that are periods overlapping the plan's calendar."""
    start, end = calendar_span(scope.ruleset.calendar)
    texts = scope.store.query(f"SELECT DISTINCT period FROM {scope.store.view(source)}")
    known = []
    for (text,) in texts:
        period = parse_period(str(text or ""))
        if period is not None and period.start < end and start < period.end:
            known.append(str(text))
    return known


def duplicate_targets(scope: Scope, source: str) -> Check | None:
    """Two rows for the same subject, indicator and period: the plan would pick one silently."""
    record = ident(RECORD)
    sql = (
        f"SELECT subject, indicator, period, list({record} ORDER BY {record}), "
        f"count(*) OVER () FROM {scope.store.view(source)} "
        "GROUP BY subject, indicator, period HAVING count(*) > 1 "
        f"ORDER BY min({record}) LIMIT {SHOWN}"
    )
    found = scope.store.query(sql)
    if not found:
        return None
    shown = [
        f"the {period} target of '{indicator}' for subject '{subject}' is given "
        f"{len(places)} times ({', '.join(places)})"
        for subject, indicator, period, positions in (r[:4] for r in found)
        for places in [scope.places(source, list(positions))]
    ]
    cells = int(found[0][4])
    return Check(
        "target-duplicate",
        "error",
        f"targets source '{source}': {listed(shown, cells)} — keep one row for each subject, "
        "indicator and period",
        source,
        {"cells": cells},
        tuple(scope.places(source, [found[0][3][0]])),
    )


def target_row_checks(scope: Scope) -> list[Check]:
    """Errors for target rows naming an unknown subject, indicator or period, and for two rows
    of the same subject, indicator and period."""
    source = scope.ruleset.targets.source
    if source is None:
        return []
    indicators = [i.id for i in scope.ruleset.indicators]
    year = scope.ruleset.calendar.year
    periods = f"periods of the plan's calendar ({year}, {year}-H1, {year}-Q1 or {year}-03)"
    found = [
        _unknown(scope, source, "subject", scope.subject_ids, "target-unknown-subject"),
        _unknown(scope, source, "indicator", indicators, "target-unknown-indicator"),
        _unknown(
            scope,
            source,
            "period",
            _plan_periods(scope, source),
            "target-unknown-period",
            f"write one of the {periods}",
        ),
        duplicate_targets(scope, source),
    ]
    return [check for check in found if check is not None]


def missing_target_checks(ruleset: Ruleset, people: Frame) -> list[Check]:
    """A warning per indicator and period with subjects that have a result but no target (each
    is scored 0 on it): how many, and who."""
    checks = []
    for ind in ruleset.indicators:
        actual, target = ident(f"{ind.id}.actual"), ident(f"{ind.id}.target")
        sql = (
            f"SELECT {ident(PERIOD)}, count(*), min({ident(SUBJECT)}, {SHOWN}) "
            f"FROM {people.table} WHERE {actual} IS NOT NULL AND {target} IS NULL "
            f"GROUP BY {ident(PIDX)}, {ident(PERIOD)} ORDER BY {ident(PIDX)}"
        )
        for period, count, first in people.con.execute(sql).fetchall():
            checks.append(
                Check(
                    "target-missing",
                    "warning",
                    f"{ind.name}: {plural(int(count), 'subject')} {agree(count, 'has', 'have')} "
                    f"no target for {period} and {agree(count, 'is', 'are')} scored 0 on it: "
                    f"{listed(list(first), int(count))} — add their target rows",
                    ruleset.targets.source,
                    {"subjects": int(count)},
                    tuple(first),
                )
            )
    return checks

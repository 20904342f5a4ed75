"""Targets as columns, over every subject and period at once.

A row written for the period wins; then the shortest longer period's row, split for additive
indicators (and prorated for joiners); then the ruleset's constant (prorated when additive);
then, for additive indicators, the sum of shorter rows that cover the period.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

import pyarrow as pa

from kpiengine.data.store import Store
from kpiengine.data.subjects import Subject
from kpiengine.errors import SourceError
from kpiengine.evaluate.checked import guarded, person
from kpiengine.evaluate.frame import Frame
from kpiengine.evaluate.shares import on_board, period_share
from kpiengine.names import (
    BOARDS,
    MONTHS,
    PEND,
    PERIOD,
    PERIOD_TEXTS,
    PSTART,
    RECORD,
    SHARES,
    SUBJECT,
    target_how_column,
)
from kpiengine.numeric import EXACT_SQL, exact_share, number_literal
from kpiengine.plan.periods import Period, parse_period
from kpiengine.plan.ruleset import Indicator, Ruleset
from kpiengine.sql import ident, literal

_SUBJECT = ident(SUBJECT)
_PERIOD = ident(PERIOD)
_PSTART = ident(PSTART)
_PEND = ident(PEND)
_MONTHS = ident(MONTHS)

NUMBER = EXACT_SQL


def _register(frame: Frame, name: str, table: pa.Table) -> None:
    frame.con.register(f"{name}_arrow", table)
    frame.con.execute(
        f"CREATE OR REPLACE TABLE {ident(name)} AS SELECT * FROM {ident(name + '_arrow')}"
    )
    frame.con.unregister(f"{name}_arrow")


def _period_table(frame: Frame, store: Store, source: str) -> dict[str, Period]:
    texts = [r[0] for r in store.query(f"SELECT DISTINCT period FROM {store.view(source)}")]
    parsed = {}
    for text in texts:
        period = parse_period(str(text or ""))
        if period is None:
            raise SourceError(
                f"targets source '{source}': '{text}' is not a period "
                "(write 2025, 2025-H1, 2025-Q1 or 2025-03)"
            )
        parsed[str(text)] = period
    _register(
        frame,
        PERIOD_TEXTS,
        pa.table(
            {
                "ptext": pa.array(list(parsed), pa.string()),
                "pstart": pa.array([p.start for p in parsed.values()], pa.date32()),
                "pend": pa.array([p.end for p in parsed.values()], pa.date32()),
                "pmonths": pa.array([p.months for p in parsed.values()], pa.int64()),
            }
        ),
    )
    return parsed


def _fractions(name: str, keys: list[tuple[str, str]], shares: list[Fraction]) -> pa.Table:
    return pa.table(
        {
            name: pa.array([k[0] for k in keys], pa.string()),
            PERIOD: pa.array([k[1] for k in keys], pa.string()),
            "num": pa.array([s.numerator for s in shares], pa.int64()),
            "den": pa.array([s.denominator for s in shares], pa.int64()),
        }
    )


def _shares(
    frame: Frame,
    ruleset: Ruleset,
    rows: dict[str, Period],
    all_periods: Sequence[Period],
    periods: Sequence[Period],
) -> None:
    """Each longer period's share that falls in each evaluation period (even, weights, workdays)."""
    keys, shares = [], []
    for text, longer in rows.items():
        for period in periods:
            if longer.contains(period) and longer != period:
                keys.append((text, period.id))
                shares.append(period_share(period, longer, all_periods, ruleset.targets))
    _register(frame, SHARES, _fractions("pid", keys, shares))


def _boards(
    frame: Frame, ruleset: Ruleset, subjects: Sequence[Subject], periods: Sequence[Period]
) -> None:
    """The share of each period a joiner was on board (only joiners; everyone else counts 1)."""
    keys, shares = [], []
    for subject in subjects:
        for period in periods:
            share = on_board(subject.start, period, ruleset.targets.prorate)
            if share != 1:
                keys.append((subject.id, period.id))
                shares.append(share)
    _register(frame, BOARDS, _fractions(SUBJECT, keys, shares))


def _check_numbers(store: Store, source: str, ind: Indicator) -> None:
    sql = (
        f"SELECT subject, period, value FROM {store.view(source)} WHERE indicator = ? AND "
        f"trim(value) <> '' AND TRY_CAST(replace(value, ',', '') AS {NUMBER}) IS NULL LIMIT 1"
    )
    bad = store.query(sql, [ind.id])
    if bad:
        subject, period, value = bad[0]
        raise SourceError(
            f"targets: the {period} target of '{ind.id}' for subject '{subject}' "
            f"is '{value}', which is not a number"
        )


def _value(ind: Indicator, column: str) -> str:
    return column if ind.levels else f"CAST(replace({column}, ',', '') AS {NUMBER})"


def _constant(ind: Indicator) -> str:
    if ind.target is None:
        return "NULL"
    if isinstance(ind.target, str):
        return literal(ind.target)
    return f"CAST({number_literal(ind.target)} AS {NUMBER})"


def target_table_sql(
    ind: Indicator,
    spine: str,
    source: str | None,
    view: str,
    prorate: bool,
    trace: bool = False,
    checked: bool = False,
) -> str:
    """One indicator's target for every (subject, period) of the spine (traced, with `how`: a
    sentence saying which rule chose it; checked, a target that cannot be computed names the
    subject)."""

    def guard(sql: str) -> str:
        return guarded(sql, f"{ind.rule or ind.id}.target", person("sp")) if checked else sql

    board_num = "COALESCE(b.num, 1)" if prorate else "1"
    board_den = "COALESCE(b.den, 1)" if prorate else "1"
    board_join = (
        (
            f"LEFT JOIN {ident(BOARDS)} b "
            f"ON b.{_SUBJECT} = sp.{_SUBJECT} AND b.{_PERIOD} = sp.{_PERIOD}"
        )
        if prorate
        else ""
    )
    constant = _constant(ind)
    given = RULESET_TARGET
    if ind.additive and ind.target is not None:
        constant = exact_share(constant, board_num, board_den)
        given = f"{RULESET_TARGET} || {_on_board(board_num, board_den)}"
    given = f"CASE WHEN {constant} IS NOT NULL THEN {given} END"
    if source is None:
        how = given if trace else "NULL"
        return (
            f"SELECT sp.{_SUBJECT}, sp.{_PERIOD}, {guard(constant)} AS value, {how} AS how "
            f"FROM {spine} sp {board_join}"
        )
    rows = (
        f"SELECT t.subject, t.value, t.{ident(RECORD)} AS rec, tp.* FROM {view} t "
        f"JOIN {ident(PERIOD_TEXTS)} tp "
        f"ON tp.ptext = t.period WHERE t.indicator = {literal(ind.id)} "
        "AND trim(t.value) <> ''"
    )
    best = (
        f"SELECT sp.{_SUBJECT}, sp.{_PERIOD}, r.value, r.ptext, "
        f"(r.pstart = sp.{_PSTART} AND r.pend = sp.{_PEND}) AS exact FROM {spine} sp "
        f"JOIN r ON r.subject = sp.{_SUBJECT} "
        f"AND r.pstart <= sp.{_PSTART} AND r.pend >= sp.{_PEND} "
        f"QUALIFY row_number() OVER (PARTITION BY sp.{_SUBJECT}, sp.{_PERIOD} "
        "ORDER BY r.pmonths, r.rec DESC) = 1"
    )
    if ind.additive:
        split = exact_share(
            _value(ind, "best.value"), f"s.num * {board_num}", f"s.den * {board_den}"
        )
        inner = (
            f"SELECT sp.{_SUBJECT}, sp.{_PERIOD}, SUM({_value(ind, 'r.value')}) AS value, "
            f"SUM(r.pmonths) AS months, ANY_VALUE(sp.{_MONTHS}) AS need FROM {spine} sp "
            f"JOIN r ON r.subject = sp.{_SUBJECT} AND r.pstart >= sp.{_PSTART} "
            f"AND r.pend <= sp.{_PEND} AND NOT (r.pstart = sp.{_PSTART} AND r.pend = sp.{_PEND}) "
            "GROUP BY ALL"
        )
        chosen = (
            f"CASE WHEN best.exact THEN {_value(ind, 'best.value')} "
            f"WHEN best.value IS NOT NULL THEN {split} "
            f"WHEN {constant} IS NOT NULL THEN {constant} "
            "WHEN inner_.months = inner_.need THEN inner_.value END"
        )
        how = (
            "CASE WHEN best.exact THEN best.ptext || ' target' "
            "WHEN best.value IS NOT NULL THEN best.ptext || ' target ' || best.value || ' × ' || "
            f"(s.num * {board_num}) || '/' || (s.den * {board_den}) "
            f"WHEN {constant} IS NOT NULL THEN {given} "
            "WHEN inner_.months = inner_.need THEN 'the sum of the shorter periods'' targets' END"
        )
        joins = (
            f"LEFT JOIN best ON best.{_SUBJECT} = sp.{_SUBJECT} AND best.{_PERIOD} = sp.{_PERIOD} "
            f"LEFT JOIN {ident(SHARES)} s ON s.pid = best.ptext AND s.{_PERIOD} = sp.{_PERIOD} "
            f"LEFT JOIN inner_ ON inner_.{_SUBJECT} = sp.{_SUBJECT} "
            f"AND inner_.{_PERIOD} = sp.{_PERIOD} {board_join}"
        )
        how = how if trace else "NULL"
        return (
            f"WITH r AS ({rows}), best AS ({best}), inner_ AS ({inner}) "
            f"SELECT sp.{_SUBJECT}, sp.{_PERIOD}, {guard(chosen)} AS value, {how} AS how "
            f"FROM {spine} sp {joins}"
        )
    chosen = f"COALESCE({_value(ind, 'best.value')}, {constant})"
    how = (
        "CASE WHEN best.exact THEN best.ptext || ' target' WHEN best.value IS NOT NULL "
        "THEN best.ptext || ' target, applies to each period as written' "
        f"ELSE {given} END"
    )
    joins = f"LEFT JOIN best ON best.{_SUBJECT} = sp.{_SUBJECT} AND best.{_PERIOD} = sp.{_PERIOD}"
    how = how if trace else "NULL"
    return (
        f"WITH r AS ({rows}), best AS ({best}) "
        f"SELECT sp.{_SUBJECT}, sp.{_PERIOD}, {guard(chosen)} AS value, {how} AS how "
        f"FROM {spine} sp {joins}"
    )


RULESET_TARGET = "'the ruleset''s target'"


def _on_board(num: str, den: str) -> str:
    """` × 2/3 on board` for a joiner's prorated share (nothing for a whole period)."""
    return (
        f"(CASE WHEN {num} <> {den} THEN ' × ' || {num} || '/' || {den} || ' on board' ELSE '' END)"
    )


def add_targets(
    frame: Frame,
    store: Store,
    ruleset: Ruleset,
    subjects: Sequence[Subject],
    periods: Sequence[Period],
    all_periods: Sequence[Period],
    trace: bool = False,
) -> None:
    """`<id>.target` for every indicator (and, traced, how each was chosen)."""
    source = ruleset.targets.source
    prorate = ruleset.targets.prorate is not None
    if source is not None:
        rows = _period_table(frame, store, source)
        _shares(frame, ruleset, rows, all_periods, periods)
    if prorate:
        _boards(frame, ruleset, subjects, periods)
    view = store.view(source) if source else ""
    columns, joins = {}, []
    for number, ind in enumerate(ruleset.indicators):
        if source is not None and not ind.levels:
            _check_numbers(store, source, ind)
        table = ident(f"{frame.prefix}_tgt{number}")
        sql = target_table_sql(ind, frame.base, source, view, prorate, trace, frame.checked)
        frame.con.execute(f"CREATE OR REPLACE TABLE {table} AS {sql}")
        alias = f"g{number}"
        joins.append(
            f"LEFT JOIN {table} AS {alias} ON {alias}.{_SUBJECT} = t.{_SUBJECT} "
            f"AND {alias}.{_PERIOD} = t.{_PERIOD}"
        )
        columns[f"{ind.id}.target"] = f"{alias}.value"
        if trace:
            columns[target_how_column(ind.id)] = f"{alias}.how"
    frame.add(columns, " ".join(joins))

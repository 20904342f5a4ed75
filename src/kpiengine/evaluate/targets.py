"""Targets as columns: the same rules as `kpiengine.targets`, over every subject and period at once.

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
from kpiengine.evaluate.frame import Frame
from kpiengine.evaluate.spine import PEND, PERIOD, PSTART, SUBJECT
from kpiengine.numeric import EXACT_SQL, exact_share
from kpiengine.plan.periods import Period, parse_period
from kpiengine.plan.ruleset import Indicator, Ruleset
from kpiengine.sql import ident, literal
from kpiengine.targets import _share, on_board

NUMBER = EXACT_SQL


def _register(frame: Frame, name: str, table: pa.Table) -> None:
    frame.con.register(f"{name}_arrow", table)
    frame.con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM {name}_arrow")
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
        "__tp",
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
                shares.append(_share(period, longer, all_periods, ruleset.targets))
    _register(frame, "__share", _fractions("pid", keys, shares))


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
    _register(frame, "__board", _fractions(SUBJECT, keys, shares))


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
    return f"CAST({ind.target} AS {NUMBER})"


def target_table_sql(
    ind: Indicator, spine: str, source: str | None, view: str, prorate: bool
) -> str:
    """One indicator's target for every (subject, period) of the spine."""
    board_num = "COALESCE(b.num, 1)" if prorate else "1"
    board_den = "COALESCE(b.den, 1)" if prorate else "1"
    board_join = (
        (f"LEFT JOIN __board b ON b.{SUBJECT} = sp.{SUBJECT} AND b.{PERIOD} = sp.{PERIOD}")
        if prorate
        else ""
    )
    constant = _constant(ind)
    if ind.additive and ind.target is not None:
        constant = exact_share(constant, board_num, board_den)
    if source is None:
        return f"SELECT sp.{SUBJECT}, sp.{PERIOD}, {constant} AS value FROM {spine} sp {board_join}"
    rows = (
        f"SELECT t.subject, t.value, t.__row, tp.* FROM {view} t JOIN __tp tp "
        f"ON tp.ptext = t.period WHERE t.indicator = {literal(ind.id)} "
        "AND trim(t.value) <> ''"
    )
    best = (
        f"SELECT sp.{SUBJECT}, sp.{PERIOD}, r.value, r.ptext, "
        f"(r.pstart = sp.{PSTART} AND r.pend = sp.{PEND}) AS exact FROM {spine} sp "
        f"JOIN r ON r.subject = sp.{SUBJECT} AND r.pstart <= sp.{PSTART} AND r.pend >= sp.{PEND} "
        f"QUALIFY row_number() OVER (PARTITION BY sp.{SUBJECT}, sp.{PERIOD} "
        "ORDER BY r.pmonths, r.__row DESC) = 1"
    )
    if ind.additive:
        split = exact_share(
            _value(ind, "best.value"), f"s.num * {board_num}", f"s.den * {board_den}"
        )
        inner = (
            f"SELECT sp.{SUBJECT}, sp.{PERIOD}, SUM({_value(ind, 'r.value')}) AS value, "
            f"SUM(r.pmonths) AS months, ANY_VALUE(sp.__months) AS need FROM {spine} sp "
            f"JOIN r ON r.subject = sp.{SUBJECT} AND r.pstart >= sp.{PSTART} "
            f"AND r.pend <= sp.{PEND} AND NOT (r.pstart = sp.{PSTART} AND r.pend = sp.{PEND}) "
            "GROUP BY ALL"
        )
        chosen = (
            f"CASE WHEN best.exact THEN {_value(ind, 'best.value')} "
            f"WHEN best.value IS NOT NULL THEN {split} "
            f"WHEN {constant} IS NOT NULL THEN {constant} "
            "WHEN inner_.months = inner_.need THEN inner_.value END"
        )
        joins = (
            f"LEFT JOIN best ON best.{SUBJECT} = sp.{SUBJECT} AND best.{PERIOD} = sp.{PERIOD} "
            f"LEFT JOIN __share s ON s.pid = best.ptext AND s.{PERIOD} = sp.{PERIOD} "
            f"LEFT JOIN inner_ ON inner_.{SUBJECT} = sp.{SUBJECT} "
            f"AND inner_.{PERIOD} = sp.{PERIOD} {board_join}"
        )
        return (
            f"WITH r AS ({rows}), best AS ({best}), inner_ AS ({inner}) "
            f"SELECT sp.{SUBJECT}, sp.{PERIOD}, {chosen} AS value FROM {spine} sp {joins}"
        )
    chosen = f"COALESCE({_value(ind, 'best.value')}, {constant})"
    joins = f"LEFT JOIN best ON best.{SUBJECT} = sp.{SUBJECT} AND best.{PERIOD} = sp.{PERIOD}"
    return (
        f"WITH r AS ({rows}), best AS ({best}) "
        f"SELECT sp.{SUBJECT}, sp.{PERIOD}, {chosen} AS value FROM {spine} sp {joins}"
    )


def add_targets(
    frame: Frame,
    store: Store,
    ruleset: Ruleset,
    subjects: Sequence[Subject],
    periods: Sequence[Period],
    all_periods: Sequence[Period],
) -> None:
    """`<id>.target` for every indicator."""
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
        sql = target_table_sql(ind, frame.base, source, view, prorate)
        frame.con.execute(f"CREATE OR REPLACE TABLE {table} AS {sql}")
        alias = f"g{number}"
        joins.append(
            f"LEFT JOIN {table} AS {alias} ON {alias}.{SUBJECT} = t.{SUBJECT} "
            f"AND {alias}.{PERIOD} = t.{PERIOD}"
        )
        columns[f"{ind.id}.target"] = f"{alias}.value"
    frame.add(columns, " ".join(joins))

"""The people and group frames as a ResultTable: every value turned to exact text by DuckDB
(warnings too), feedback rendered in Python for the rows that have it."""

from __future__ import annotations

from collections.abc import Sequence

import pyarrow as pa

from kpiengine.evaluate.frame import Frame
from kpiengine.evaluate.notes import feedback_table
from kpiengine.evaluate.texts import kind_of, number_text, text_sql, trimmed
from kpiengine.evaluate.warnings import warnings_sql
from kpiengine.names import (
    GRADE,
    GRADE_NAME,
    GROUP_NUMBER,
    GROUP_PIDX,
    GROUP_VALUE,
    MEMBER_IDS,
    NAME,
    NOTE_FEEDBACK,
    NOTE_KEY,
    NOTE_PIDX,
    NOTES,
    ORDER,
    PERIOD,
    PIDX,
    ROW_ORDER,
    SUBJECT,
    TOTAL,
    VALUE,
    group_column,
    line_column,
    rank_column,
    shown_column,
)
from kpiengine.numeric import decimal_type
from kpiengine.plan.ruleset import Ruleset
from kpiengine.results import Layout, ResultTable
from kpiengine.results.layout import IndicatorInfo, indicator_key
from kpiengine.results.table import empty_table
from kpiengine.sql import ident, literal


def layout_of(ruleset: Ruleset, types: dict[str, str]) -> Layout:
    groups = tuple(ruleset.subjects.groups)
    return Layout(
        groups=groups,
        indicators=tuple(
            IndicatorInfo(
                i.id,
                i.name,
                i.unit,
                i.weight,
                kind_of(types[f"{i.id}.actual"]),
                kind_of(types[f"{i.id}.target"]),
            )
            for i in ruleset.indicators
        ),
        metrics=tuple((m, kind_of(types[m])) for m in ruleset.metrics),
        ranks=groups,
        incentives=tuple(i.id for i in ruleset.incentives),
    )


def _common(ruleset: Ruleset, types: dict[str, str]) -> dict[str, str]:
    columns = {}
    for ind in ruleset.indicators:
        for field in ("actual", "target", "attainment", "score"):
            name = f"{ind.id}.{field}"
            columns[indicator_key(ind.id, field)] = text_sql(name, types[name])
    for metric in ruleset.metrics:
        columns[f"metric:{metric}"] = text_sql(metric, types[metric])
    columns["total"] = number_text(f"COALESCE({ident(TOTAL)}, 0)", types[TOTAL])
    columns["grade"] = ident(GRADE)
    columns["warnings"] = warnings_sql(ruleset, types)
    return columns


def _money(sql: str, places: int) -> str:
    return f"CAST(CAST({sql} AS {decimal_type(places)}) AS VARCHAR)"


def _honors(ruleset: Ruleset) -> str:
    lists = [
        f"(CASE WHEN {ident(shown_column(i.id))} THEN [{literal(i.name)}] ELSE [] END)"
        for i in ruleset.incentives
        if i.honor is not None
    ]
    return f"CAST({' || '.join(lists)} AS VARCHAR[])" if lists else "[]::VARCHAR[]"


def _subject_sql(ruleset: Ruleset, types: dict[str, str], places: int) -> dict[str, str]:
    lines = [f"COALESCE({ident(line_column(i.id))}, 0)" for i in ruleset.incentives]
    groups = ruleset.subjects.groups
    return {
        "subject": ident(SUBJECT),
        "name": ident(NAME),
        "period": ident(PERIOD),
        **{f"group:{g}": ident(group_column(g)) for g in groups},
        **_common(ruleset, types),
        **{f"rank:{g}": f"CAST({ident(rank_column(g))} AS VARCHAR)" for g in groups},
        **{f"line:{i.id}": _money(ident(line_column(i.id)), places) for i in ruleset.incentives},
        "payout": _money(" + ".join(lines) or "0", places),
        "honors": _honors(ruleset),
        "feedback": f"COALESCE({ident(NOTE_FEEDBACK)}, []::VARCHAR[])",
        "grade_name": ident(GRADE_NAME),
    }


def subject_table(people: Frame, ruleset: Ruleset, places: int, layout: Layout) -> pa.Table:
    types = people.types()
    people.con.register(NOTES, feedback_table(people, ruleset))
    joins = (
        f"LEFT JOIN {ident(NOTES)} AS n ON n.{ident(NOTE_KEY)} = t.{ident(SUBJECT)} "
        f"AND n.{ident(NOTE_PIDX)} = t.{ident(PIDX)}"
    )
    columns = _subject_sql(ruleset, types, places)
    select = ", ".join(f"{sql} AS {ident(key)}" for key, sql in columns.items())
    sql = (
        f"SELECT t.{ident(ROW_ORDER)} AS {ident(ORDER)}, {select} FROM {people.table} AS t {joins} "
        f"ORDER BY t.{ident(ROW_ORDER)}"
    )
    return trimmed(people.con.sql(sql).to_arrow_table(), layout.subject_columns())


def group_table(
    frames: Sequence[tuple[str, Frame]], ruleset: Ruleset, layout: Layout
) -> pa.Table | None:
    parts = []
    for number, (name, frame) in enumerate(frames):
        types = frame.types()
        columns = {
            "group": literal(name),
            "value": ident(VALUE),
            "period": ident(PERIOD),
            "members": f"CAST({ident(MEMBER_IDS)} AS VARCHAR[])",
            **_common(ruleset, types),
            GROUP_NUMBER: str(number),
            GROUP_PIDX: ident(PIDX),
            GROUP_VALUE: ident(VALUE),
        }
        select = ", ".join(f"{sql} AS {ident(key)}" for key, sql in columns.items())
        parts.append(f"SELECT {select} FROM {frame.table} AS t")
    if not parts:
        return None
    keys = [ident(GROUP_NUMBER), ident(GROUP_PIDX), ident(GROUP_VALUE)]
    order = ", ".join(keys)
    union = " UNION ALL ".join(parts)
    sql = (
        f"SELECT ROW_NUMBER() OVER (ORDER BY {order}) AS {ident(ORDER)}, "
        f"* EXCLUDE ({order}) FROM ({union}) ORDER BY {order}"
    )
    return trimmed(frames[0][1].con.sql(sql).to_arrow_table(), layout.group_columns())


def result_table(
    people: Frame, frames: Sequence[tuple[str, Frame]], ruleset: Ruleset, places: int
) -> ResultTable:
    """The run's results, ready for the outputs; the frames may be dropped afterwards."""
    layout = layout_of(ruleset, people.types())
    subjects = subject_table(people, ruleset, places, layout)
    groups = group_table(frames, ruleset, layout)
    if groups is None:
        groups = empty_table(layout.group_columns())
    return ResultTable(layout, places, subjects, groups)

"""The people and group frames as a ResultTable: every value turned to exact text in DuckDB,
warnings and feedback worked out in Python only for the rows that have any."""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import pyarrow as pa
import pyarrow.compute as pc

from kpiengine.columnar.frame import EXACT_PLACES, NOT_DECIMAL, Frame
from kpiengine.columnar.groups import MEMBERS, VALUE
from kpiengine.columnar.incentives import line_column, shown_column
from kpiengine.columnar.notes import NOTE_FEEDBACK, NOTE_KEY, NOTE_PIDX, NOTES, feedback_table
from kpiengine.columnar.spine import NAME, PERIOD, PIDX, SUBJECT, group_column
from kpiengine.columnar.spine import ORDER as SPINE_ORDER
from kpiengine.columnar.warnings import warnings_sql
from kpiengine.resulttable import Kind, Layout, ResultTable
from kpiengine.resulttable.layout import IndicatorInfo, ResultColumn, indicator_key
from kpiengine.resulttable.table import ORDER, empty_table
from kpiengine.ruleset import Ruleset
from kpiengine.sql import ident, literal

INTEGERS = frozenset({"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT"})
TRIMMED = frozenset({"number", "money", "float"})


def kind_of(sql_type: str) -> Kind:
    if sql_type == "BOOLEAN":
        return "bool"
    if sql_type in NOT_DECIMAL or sql_type.startswith("DECIMAL"):
        return "number"
    return "text"


def number_text(value: str, sql_type: str) -> str:
    """A number as exact decimal text with a point (`36.000`, `25.`; a DOUBLE through the
    engine's exact decimal first), which `trimmed` takes down to `36` and `25`."""
    if sql_type in INTEGERS or sql_type.replace(" ", "").endswith(",0)"):
        return f"CAST({value} AS VARCHAR) || '.'"
    if sql_type in NOT_DECIMAL:
        value = f"CAST({value} AS DECIMAL(38, {EXACT_PLACES}))"
    return f"CAST({value} AS VARCHAR)"


def _trim(texts: pa.ChunkedArray) -> pa.ChunkedArray:
    return pc.ascii_rtrim(pc.ascii_rtrim(texts, characters="0"), characters=".")


def trimmed(table: pa.Table, columns: Sequence[ResultColumn]) -> pa.Table:
    """Number columns without trailing zeros or point (`36`, `0.9`: Python's `decimal_text`),
    trimmed in Arrow — many times faster than in SQL — a column per thread."""
    keys = [c.key for c in columns if c.kind in TRIMMED]
    with ThreadPoolExecutor(os.cpu_count()) as pool:
        bare = list(pool.map(_trim, (table.column(key) for key in keys)))
    for key, texts in zip(keys, bare, strict=True):
        table = table.set_column(table.schema.get_field_index(key), key, texts)
    return table


def text_sql(column: str, sql_type: str) -> str:
    """A value of any type as the result table's text."""
    value = ident(column)
    if sql_type in NOT_DECIMAL or sql_type.startswith("DECIMAL"):
        return number_text(value, sql_type)
    if sql_type == "BOOLEAN":
        return f"CASE WHEN {value} THEN 'true' WHEN NOT {value} THEN 'false' END"
    return f"CAST({value} AS VARCHAR)"


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
    columns["total"] = number_text("COALESCE(total, 0)", types["total"])
    columns["grade"] = "grade"
    columns["warnings"] = warnings_sql(ruleset, types)
    return columns


def _money(sql: str, places: int) -> str:
    return f"CAST(CAST({sql} AS DECIMAL(38, {places})) AS VARCHAR)"


def _honors(ruleset: Ruleset) -> str:
    lists = [
        f"(CASE WHEN {ident(shown_column(i))} THEN [{literal(i.name)}] ELSE [] END)"
        for i in ruleset.incentives
        if i.honor is not None
    ]
    return f"CAST({' || '.join(lists)} AS VARCHAR[])" if lists else "[]::VARCHAR[]"


def _subject_sql(ruleset: Ruleset, types: dict[str, str], places: int) -> dict[str, str]:
    lines = [f"COALESCE({ident(line_column(i))}, 0)" for i in ruleset.incentives]
    groups = ruleset.subjects.groups
    return {
        "subject": SUBJECT,
        "name": NAME,
        "period": PERIOD,
        **{f"group:{g}": ident(group_column(g)) for g in groups},
        **_common(ruleset, types),
        **{f"rank:{g}": f"CAST({ident(f'__rank:{g}')} AS VARCHAR)" for g in groups},
        **{f"line:{i.id}": _money(ident(line_column(i)), places) for i in ruleset.incentives},
        "payout": _money(" + ".join(lines) or "0", places),
        "honors": _honors(ruleset),
        "feedback": f"COALESCE({NOTE_FEEDBACK}, []::VARCHAR[])",
        "grade_name": "__grade_name",
    }


def subject_table(people: Frame, ruleset: Ruleset, places: int, layout: Layout) -> pa.Table:
    types = people.types()
    people.con.register(NOTES, feedback_table(people, ruleset))
    joins = f"LEFT JOIN {NOTES} AS n ON n.{NOTE_KEY} = t.{SUBJECT} AND n.{NOTE_PIDX} = t.{PIDX}"
    columns = _subject_sql(ruleset, types, places)
    select = ", ".join(f"{sql} AS {ident(key)}" for key, sql in columns.items())
    sql = (
        f"SELECT t.{SPINE_ORDER} AS {ORDER}, {select} FROM {people.table} AS t {joins} "
        f"ORDER BY t.{SPINE_ORDER}"
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
            "value": VALUE,
            "period": PERIOD,
            "members": f"CAST({MEMBERS} AS VARCHAR[])",
            **_common(ruleset, types),
            "__g": str(number),
            "__p": PIDX,
            "__v": VALUE,
        }
        select = ", ".join(f"{sql} AS {ident(key)}" for key, sql in columns.items())
        parts.append(f"SELECT {select} FROM {frame.table} AS t")
    if not parts:
        return None
    order = "__g, __p, __v"
    union = " UNION ALL ".join(parts)
    sql = (
        f"SELECT ROW_NUMBER() OVER (ORDER BY {order}) AS {ORDER}, * EXCLUDE (__g, __p, __v) "
        f"FROM ({union}) ORDER BY {order}"
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

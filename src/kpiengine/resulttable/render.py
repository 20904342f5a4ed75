"""SQL that shows a result table's text cells as CSV cells and as JSON objects, by kind."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kpiengine.resulttable.layout import Kind, ResultColumn
from kpiengine.sql import ident, literal


def csv_cell(column: ResultColumn, places: int) -> str:
    """The CSV text of one cell; an absent value is an empty cell."""
    value = ident(column.key)
    if column.kind == "list":
        return f"array_to_string({value}, '; ')"
    if column.kind == "money":
        return f"CAST(CAST({value} AS DECIMAL(38, {places})) AS VARCHAR)"
    return value


JSON_CASTS: dict[Kind, str] = {
    "text": "{v}",
    "amount": "{v}",
    "list": "{v}",
    "number": "CAST({v} AS JSON)",
    "money": "CAST({v} AS JSON)",
    "integer": "CAST({v} AS JSON)",
    "bool": "CAST({v} AS JSON)",
    # a float keeps its point: 36 is shown as 36.0
    "float": "CAST(CASE WHEN contains({v}, '.') THEN {v} ELSE {v} || '.0' END AS JSON)",
}


def json_value(column: ResultColumn) -> str:
    return JSON_CASTS[column.kind].format(v=ident(column.key))


def _struct(tree: dict[str, Any]) -> str:
    if not tree:
        return "CAST('{}' AS JSON)"
    fields = (
        f"{ident(key)} := {_struct(value) if isinstance(value, dict) else value}"
        for key, value in tree.items()
    )
    return f"struct_pack({', '.join(fields)})"


def json_object(columns: Sequence[ResultColumn], keys: Sequence[str]) -> str:
    """One JSON object per row with these top-level keys in this order; a key no column fills
    is an object (`"groups": {}` when there are no groups)."""
    tree: dict[str, Any] = {key: {} for key in keys}
    for column in columns:
        if column.path is None:
            continue
        node = tree
        for part in column.path[:-1]:
            node = node.setdefault(part, {})
        node[column.path[-1]] = json_value(column)
    return f"to_json({_struct(tree)})"


def literal_list(texts: Sequence[str]) -> str:
    return "[" + ", ".join(literal(t) for t in texts) + "]::VARCHAR[]"

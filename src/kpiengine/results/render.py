"""SQL that shows a result table's text cells as CSV cells and as JSON objects, by kind."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from kpiengine.numeric import decimal_type
from kpiengine.results.formulas import neutralised_sql
from kpiengine.results.layout import Kind, ResultColumn
from kpiengine.sql import ident, literal


def csv_cell(column: ResultColumn, places: int, neutralised: bool = True) -> str:
    """The CSV text of one cell; an absent value is an empty cell. `neutralised`: text that a
    spreadsheet would take for a formula gets a `'` before it (`results.formulas`)."""
    value = ident(column.key)
    if column.kind == "money":
        return f"CAST(CAST({value} AS {decimal_type(places)}) AS VARCHAR)"
    if column.kind in NUMERIC or column.kind == "bool":
        return value
    text = f"array_to_string({value}, '; ')" if column.kind == "list" else value
    return neutralised_sql(text) if neutralised else text


NUMBER_CHARACTERS = frozenset("0123456789.-")
"""All a number's text is made of (`-1234.5`): it never needs quotes unless the delimiter is one."""


def csv_quoted(cell: str, delimiter: str, kind: Kind) -> str:
    """A cell's SQL as CSV text: in quotes, its quotes doubled, when it holds the delimiter, a
    quote, LF or CR, else as it is — Python's csv module's quoting, except that it leaves a lone
    CR bare when lines end in LF (and then cannot read the file back)."""
    text = f"COALESCE({cell}, '')"
    if kind in NUMERIC and delimiter not in NUMBER_CHARACTERS:
        return text
    special = " OR ".join(f"contains({text}, {literal(c)})" for c in (delimiter, '"', "\r", "\n"))
    escaped = f"'\"' || replace({text}, '\"', '\"\"') || '\"'"
    return f"CASE WHEN {special} THEN {escaped} ELSE {text} END"


NUMERIC: frozenset[Kind] = frozenset({"number", "money", "float", "amount", "integer"})


JSON_VALUES: dict[Kind, str] = {
    "text": "COALESCE(CAST(to_json({v}) AS VARCHAR), 'null')",
    "amount": "COALESCE(CAST(to_json({v}) AS VARCHAR), 'null')",
    "list": "CAST(to_json(COALESCE({v}, []::VARCHAR[])) AS VARCHAR)",
    # exact decimals are JSON numbers as they stand; a JSON reader takes the nearest double
    "number": "COALESCE({v}, 'null')",
    "money": "COALESCE({v}, 'null')",
    "integer": "COALESCE({v}, 'null')",
    "bool": "COALESCE({v}, 'null')",
    # a float keeps its point: 36 is shown as 36.0
    "float": "COALESCE(CASE WHEN contains({v}, '.') THEN {v} ELSE {v} || '.0' END, 'null')",
}


def json_value(column: ResultColumn) -> str:
    """SQL for the column's value as JSON text (never NULL: an absent value is `null`)."""
    return JSON_VALUES[column.kind].format(v=ident(column.key))


def _pieces(tree: dict[str, Any]) -> list[str]:
    """SQL pieces whose concatenation is the object: literal keys and punctuation, values."""
    if not tree:
        return [literal("{}")]
    pieces = []
    for number, (key, value) in enumerate(tree.items()):
        opening = "{" if number == 0 else ","
        pieces.append(literal(opening + json.dumps(key, ensure_ascii=False) + ":"))
        pieces += _pieces(value) if isinstance(value, dict) else [value]
    pieces.append(literal("}"))
    return pieces


def _merged(pieces: list[str]) -> list[str]:
    """Neighbouring literals joined into one."""
    merged: list[str] = []
    for piece in pieces:
        if merged and _is_literal(merged[-1]) and _is_literal(piece):
            merged[-1] = merged[-1][:-1] + piece[1:]
        else:
            merged.append(piece)
    return merged


def _is_literal(sql: str) -> bool:
    return sql.startswith("'") and sql.endswith("'") and "(" not in sql


def json_object(columns: Sequence[ResultColumn], keys: Sequence[str]) -> str:
    """SQL for each row as a JSON object with these top-level keys in this order; a key no
    column fills is an object (`"groups": {}` when there are no groups)."""
    tree: dict[str, Any] = {key: {} for key in keys}
    for column in columns:
        if column.path is None:
            continue
        node = tree
        for part in column.path[:-1]:
            node = node.setdefault(part, {})
        node[column.path[-1]] = json_value(column)
    return f"concat({', '.join(_merged(_pieces(tree)))})"

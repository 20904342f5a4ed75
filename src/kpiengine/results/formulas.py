"""Cells people open in a spreadsheet: no text from the data is taken for a formula.

A name, an id or a message that begins with `=`, `+`, `-`, `@`, a tab or a carriage return is
a formula to Excel or LibreOffice (`=HYPERLINK("http://…","click")`, `=cmd|' /c calc'!A1`).
OWASP's rule: such a cell is written with a single quote before it (`'=HYPERLINK(…)`), which the
spreadsheet shows as the text it is. A number is left as it is: `-1200.5` stays a number.
"""

from __future__ import annotations

import re
from typing import Final

from kpiengine.sql import literal

FORMULA_STARTS: Final = ("=", "+", "-", "@", "\t", "\r")
_NUMBER: Final = r"[+-]?[0-9]+([.][0-9]+)?([eE][+-]?[0-9]+)?"


def neutralised_cell(text: str) -> str:
    """`text` as a spreadsheet cell shows it: with a `'` before it when it would be a formula."""
    if text.startswith(FORMULA_STARTS) and not re.fullmatch(_NUMBER, text):
        return "'" + text
    return text


def neutralised_sql(cell: str) -> str:
    """SQL for `neutralised_cell` of the text cell `cell` (NULL stays NULL)."""
    starts = ", ".join(literal(s) for s in FORMULA_STARTS)
    number = f"regexp_full_match({cell}, {literal(_NUMBER)})"
    return (
        f"CASE WHEN left({cell}, 1) IN ({starts}) AND NOT {number} "
        f"THEN '''' || {cell} ELSE {cell} END"
    )

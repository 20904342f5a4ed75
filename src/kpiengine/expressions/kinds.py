"""The kinds of value an expression works with, as far as they are known before any data."""

from __future__ import annotations

from typing import Literal

Kind = Literal["number", "text", "bool", "date", "null", "any"]
"""`null` is the constant None; `any` is not known until data arrives (names, plugin results)."""

KIND_WORDS: dict[Kind, str] = {
    "number": "a number",
    "text": "text",
    "bool": "a true/false value",
    "date": "a date",
    "null": "None",
    "any": "a value",
}


def known(kind: Kind) -> bool:
    """Whether the kind is fixed before evaluation (not a name's value, not None)."""
    return kind not in ("any", "null")


def unify(kinds: list[Kind]) -> Kind | None:
    """The one kind all values share (None and unknowns fit anything); None if they differ."""
    fixed = {k for k in kinds if known(k)}
    if len(fixed) > 1:
        return None
    if fixed:
        return fixed.pop()
    return "null" if kinds and all(k == "null" for k in kinds) else "any"


ExpressionKind = Literal["row", "result"]
"""`row`: over one source record's fields. `result`: over indicators, metrics and scores."""

INDICATOR_FIELDS = ("actual", "target", "attainment", "weight", "score")
"""What may follow a dot in a result expression: `revenue.attainment`."""

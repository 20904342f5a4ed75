"""The numbers a ruleset may hold: finite, exactly as written, and inside the engine's range.

YAML reads `.nan`, `.inf` and `1e400` as floats that are no number at all, and a float keeps
about 15 significant digits, so `0.1234567890123456789` would silently lose some. A number in
the plan is also a constant of its SQL: beyond `RULESET_LIMIT`, or with more places than the
engine keeps, it could not be an exact operand. Every such number is refused at load, where it
was written, before any of it reaches the plan. Plugin options are plugins' own: only a number
that is no number at all is refused there.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from kpiengine.numeric import (
    RULESET_LIMIT,
    RULESET_PLACES,
    SPLIT_WEIGHT_LIMIT,
    WEIGHT_PLACES,
    places_of,
)
from kpiengine.plan.problems import Path, Problem
from kpiengine.plan.yamlload import Document


def number_problems(doc: Document) -> list[Problem]:
    """Every number of the document that is not finite, not what was written, too large, or
    with too many places, each at its own position."""
    found = []
    for path, value in _numbers(doc.data):
        message = _problem(path, value, doc.float_texts.get(path))
        if message is not None:
            found.append(doc.problem(path, message))
    return found


def _numbers(data: Any) -> Iterator[tuple[Path, int | float]]:
    """(path, number) for every number in the data, without recursion."""
    stack: list[tuple[Path, Any]] = [((), data)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, Mapping):
            stack.extend(((*path, key), item) for key, item in value.items())
        elif isinstance(value, list):
            stack.extend(((*path, index), item) for index, item in enumerate(value))
        elif isinstance(value, int | float) and not isinstance(value, bool):
            yield path, value


def in_options(path: Path) -> bool:
    """Whether the path is inside a source's or an output's plugin options."""
    return len(path) > 2 and path[0] in ("sources", "outputs") and path[2] == "options"


def _problem(path: Path, value: int | float, text: str | None) -> str | None:
    written = text if text is not None else str(value)
    if isinstance(value, float) and not math.isfinite(value):
        return _not_finite(value, written, in_options(path))
    if in_options(path):
        return None
    number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    changed = _changed(number, text)
    if changed is not None:
        return changed
    limit, places = _bounds(path)
    if abs(number) >= limit:
        return f"{written} is too large: a number here must stay below {_shown(limit)}"
    if places_of(number) > places:
        return (
            f"{written} has {places_of(number)} decimal places; at most {places} are kept here, "
            "so it would be rounded — write it with fewer places"
        )
    return None


def _not_finite(value: float, written: str, option: bool) -> str:
    if math.isnan(value):
        return f"'{written}' (not a number) is not a number kpiengine can calculate with"
    if written.lstrip("+-").lower() == ".inf":
        return f"'{written}' (infinity) is not a number kpiengine can calculate with"
    if option:
        return f"{written} is too large to be a number"
    return f"{written} is too large: a number here must stay below {_shown(RULESET_LIMIT)}"


def _changed(number: Decimal, text: str | None) -> str | None:
    """A float that did not keep every digit written."""
    if text is None:
        return None
    try:
        meant = Decimal(text)
    except InvalidOperation:  # 0x1F tagged !!float: exact anyway
        return None
    if meant == number:
        return None
    return (
        f"{text} has more digits than a YAML number keeps (about 15 significant digits) and "
        f"would be read as {number:f}; write it with fewer digits"
    )


def _bounds(path: Path) -> tuple[Decimal, int]:
    """The limit and the places a number at `path` may have."""
    if path[:2] == ("targets", "weights"):
        return SPLIT_WEIGHT_LIMIT, WEIGHT_PLACES
    if len(path) == 3 and path[0] == "indicators" and path[2] == "weight":
        return RULESET_LIMIT, WEIGHT_PLACES
    return RULESET_LIMIT, RULESET_PLACES


def _shown(limit: Decimal) -> str:
    """10^14 as `100,000,000,000,000 (10^14)`."""
    return f"{int(limit):,} (10^{len(str(int(limit))) - 1})"

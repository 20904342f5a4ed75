"""Result values as CSV cell text: exact decimals, money with the currency's places."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from kpiengine import IndicatorResult

Value = Decimal | str | bool | None


def decimal_text(value: Decimal) -> str:
    """`36`, `0.9`, `1234.5` — the Decimal's own digits, no exponent, no trailing zeros."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def money_text(value: Decimal, places: int) -> str:
    """`12000.00` — exactly the currency's minor-unit places (the engine already rounded)."""
    return f"{value:.{places}f}"


def value_text(value: Value, money_places: int | None = None) -> str:
    """Any result value; `money_places` formats a number as money."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        if money_places is not None:
            return money_text(value, money_places)
        return decimal_text(value)
    return value


def indicator_cells(ind: IndicatorResult, money_places: int) -> dict[str, str]:
    """`<id>.actual`, `<id>.target`, `<id>.attainment`, `<id>.score` of one indicator."""
    places = money_places if ind.unit == "money" else None
    return {
        f"{ind.id}.actual": value_text(ind.actual, places),
        f"{ind.id}.target": value_text(ind.target, places),
        f"{ind.id}.attainment": value_text(ind.attainment),
        f"{ind.id}.score": decimal_text(ind.score),
    }


def joined(texts: Iterable[str]) -> str:
    """Several texts in one cell (honors, feedback, warnings)."""
    return "; ".join(texts)

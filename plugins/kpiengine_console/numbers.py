"""Numbers for people reading a screen: scores to one or two decimals, money grouped."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def score_text(value: Decimal) -> str:
    """`36.0`, `25.5`, `33.33` — two decimals at most, and at least one."""
    text = f"{value.quantize(CENT, ROUND_HALF_UP):.2f}"
    return text[:-1] if text.endswith("0") else text


def money_text(value: Decimal, places: int) -> str:
    """`28,666.67` — thousands grouped, the currency's minor-unit places."""
    return f"{value:,.{places}f}"

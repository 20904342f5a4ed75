"""The numeric policy: every place count, decimal type and exact SQL quotient the engine uses.

DuckDB keeps DECIMAL(38, s) exactly, but divides decimals in DOUBLE. So every quotient here is
the exactly rounded one, half away from zero (Decimal's ROUND_HALF_UP) at the places below: an
integer division of HUGEINT (128-bit) units, or — where a DOUBLE estimate provably rounds the
same way — that estimate's rounding (see `exact_product_quotient`). A value outside the
bounds stated below makes DuckDB raise an overflow error: it never becomes a plausible wrong
number.
docs/ruleset.md, "Numbers: what is exact and where rounding happens", is this module's table.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

SOURCE_PLACES = 6
"""Places of a source number (and of sums, mins and maxes of them): DECIMAL(38, 6)."""

EXACT_PLACES = 12
"""Places of every quotient (averages, attainments, scores, curve slopes, tier quotients, the
split of a target) and of an incentive amount before it is settled. A quotient's operands are
taken at these places too: exact for anything computed from source numbers and constants."""

TOTAL_PLACES = 10
"""Places a total (the sum of the scores) keeps, half-up."""

COMPARED_PLACES = 8
"""Places at which totals are graded and ranked. Each score is exact only to its last place
(40/7 is 5.714285714286), so a total that is exactly a band's minimum (45 + 15 + 40/7 + 13 +
44/7 = 85) could come out a hair off it, and two people with the same exact total a hair apart;
compared at 8 places they reach the band and tie — far below any difference a plan could mean."""

SETTLE_PLACES = 6
"""An incentive line is settled to these places before it is rounded to the minor unit: a
quotient exact to 12 places of a value that is exactly a half cent (1699.615 as 40/7-based
1699.614999999999…) must not decide the cent downwards. No amount worked from cents and rates
lies closer than that to a half cent without being one."""

QUOTIENT_LIMIT = Decimal("8.5e13")
"""Each operand of a quotient must stay below 10^14 in magnitude, and its dividend (weight ×
actual, base × Σ rate × slice) below this: then 2 × dividend × 10^24 fits a HUGEINT."""


RULESET_LIMIT = Decimal(10) ** 14
"""Every number a ruleset writes (a weight, a target, a rate, a tier's `from`, an amount, a grade's
min…) stays below this in magnitude: then it is an exact operand of any quotient, and a constant
× a value the plan computes fits the engine's decimals. Larger ones are refused at load."""

RULESET_PLACES = EXACT_PLACES
"""Decimal places a ruleset's number may have: more would be rounded where it meets the plan."""

WEIGHT_PLACES = SOURCE_PLACES
"""Decimal places of an indicator's weight (it is reported at these places)."""

SPLIT_WEIGHT_LIMIT = Decimal(10) ** 6
"""`targets.weights` stay below this, with at most WEIGHT_PLACES places: each period's share
is then an exact fraction whose numerator and denominator fit 64-bit integers."""


def number_literal(value: Decimal | int) -> str:
    """A constant as an SQL number literal DuckDB reads exactly: plain digits and a point, never
    an exponent, and never `NaN` or `Infinity`, which DuckDB would read as column names (loading
    refuses them, so meeting one here is a bug)."""
    number = Decimal(value)
    if not number.is_finite():
        raise ValueError(f"{number} cannot be written into SQL as a number")
    text = format(number, "f")
    return f"({text})" if text.startswith("-") else text


def decimal_type(places: int) -> str:
    """The engine's exact decimal type at `places`."""
    return f"DECIMAL(38, {places})"


SOURCE_SQL = decimal_type(SOURCE_PLACES)
"""The type of a source's number field, and of a weight."""

EXACT_SQL = decimal_type(EXACT_PLACES)
"""The type of quotients, targets, scores and incentive amounts before settling."""


def at_places(value: str, places: int) -> str:
    """`value` as an exact decimal at `places` (half away from zero beyond them)."""
    return f"CAST({value} AS {decimal_type(places)})"


def exact_constant(value: Decimal) -> str:
    """A constant as the engine's exact decimal: where it meets computed values in LEAST, CASE
    or GREATEST, DuckDB keeps their places (beside a DECIMAL(38, 0) it would drop them)."""
    return at_places(number_literal(value), EXACT_PLACES)


def own_scale(value: Decimal) -> str:
    """A constant at its own places, for products only: `30` times a 12-place value stays at
    12 places, so nothing needs rescaling."""
    return at_places(number_literal(value), places_of(value))


def places_of(value: Decimal) -> int:
    """The places a constant needs (`0.05` → 2, `30` → 0)."""
    return max(0, -int(value.normalize().as_tuple().exponent))


def _power(places: int) -> str:
    return f"CAST({10**places} AS HUGEINT)"


def units(value: str, places: int = EXACT_PLACES) -> str:
    """`value` × 10^places as a HUGEINT (rounded half away from zero beyond `places`).

    One multiplication, so a value appears once in the SQL: DuckDB keeps the product at
    DECIMAL(38, places), which holds it while |value| < 10^(38 - 2 × places) — 10^14 at 12
    places — and raises beyond."""
    return f"CAST({at_places(value, places)} * {_power(places)} AS HUGEINT)"


def constant_units(value: Decimal, places: int) -> str:
    """A constant × 10^places, rounded half away from zero, as a HUGEINT literal."""
    scaled = int(value.scaleb(places).to_integral_value(rounding=ROUND_HALF_UP))
    return f"CAST({scaled} AS HUGEINT)"


def rounded_quotient(top: str, bottom: str, shift: int, places: int = EXACT_PLACES) -> str:
    """top × 10^shift / bottom (HUGEINT units) in units of 10^-places, as an exact decimal at
    `places`, rounded half away from zero.

    d = trunc(2 × top × 10^shift / bottom) holds all the rounding needs: the quotient is d / 2
    rounded half away from zero, which DuckDB's ROUND does exactly on a decimal. Each operand
    appears once, so nested quotients stay small SQL. 2 × top × 10^shift must stay below
    1.7 × 10^38 (QUOTIENT_LIMIT); the quotient below 10^25."""
    if shift < 0:
        return rounded_quotient(top, f"({bottom} * {_power(-shift)})", 0, places)
    doubled = f"(({top} * {_power(shift)} * 2) // {bottom})"
    half = f"CAST(0.{'0' * places}5 AS {decimal_type(places + 1)})"
    return f"ROUND(CAST({doubled} AS DECIMAL(38, 0)) * {half}, {places})"


FAST_DIGITS = 14
"""A quotient whose units (quotient × 10^places) stay below 10^FAST_DIGITS is first estimated
in DOUBLE; see `exact_product_quotient`."""

ESTIMATE_ERROR = Decimal("1e-15")
"""A bound on the DOUBLE estimate's relative error: two decimal operands and a factor turned
into DOUBLE (at most two roundings each), one product, one quotient and one scaling — at most
nine roundings of 2^-53 each, 1.0e-15 all told."""


def quotient_estimate(factor: Decimal, left: str, right: str, places: int = EXACT_PLACES) -> str:
    """factor × left / right × 10^places in DOUBLE: the quotient's units, estimated. A stage
    may compute it as a column of its own and hand the column to `exact_product_quotient`,
    which then reads it instead of spelling it out (a smaller plan that DuckDB binds faster)."""
    factor_sql = f"CAST({number_literal(factor)} AS DOUBLE)"
    return f"({factor_sql} * CAST({left} AS DOUBLE) / CAST({right} AS DOUBLE) * 1e{places})"


def exact_product_quotient(
    factor: Decimal,
    left: str,
    right: str,
    places: int = EXACT_PLACES,
    estimate: str | None = None,
) -> str:
    """factor × left / right as ONE quotient, exact to `places` (half away from zero): a
    weight × actual / target is then exact to its last place, where weight × a rounded
    attainment would carry the rounding × weight.

    Exact HUGEINT division costs about five DOUBLE ones, so the quotient's units are first
    estimated in DOUBLE (`estimate`, or `quotient_estimate`). The estimate u' is within
    ε = |u'| × ESTIMATE_ERROR of the true units u; when no rounding boundary (k + ½) lies within
    ε of u', both round to the same integer, and rounding the estimate is the exact answer.
    Only the rows where a boundary is that close (a true tie among them), or whose quotient is
    large, take the HUGEINT division — DuckDB's CASE computes a branch only for the rows that
    take it."""
    exact = _hugeint_quotient(factor, left, right, places)
    units = estimate or quotient_estimate(factor, left, right, places)
    size = f"ABS({units})"
    doubt = f"{size} * {ESTIMATE_ERROR:E} + 1e-6"
    clear = f"{size} < 1e{FAST_DIGITS} AND ABS({size} - FLOOR({size}) - 0.5) > {doubt}"
    # ROUND is half away from zero; the rounded units over 10^places come back exactly as a
    # decimal (DuckDB scales a DOUBLE by 10^places and rounds to the nearest when it casts)
    fast = f"CAST(ROUND({units}) / 1e{places} AS {decimal_type(places)})"
    return f"(CASE WHEN {clear} THEN {fast} ELSE {exact} END)"


def _unit(places: int) -> str:
    """10^-places as an exact decimal."""
    return f"CAST(1e-{places} AS DECIMAL({places + 1}, {places}))"


def _hugeint_quotient(factor: Decimal, left: str, right: str, places: int) -> str:
    """factor × left / right by HUGEINT division, exact to `places`."""
    factor_places = places_of(factor)
    top = f"({constant_units(factor, factor_places)} * {units(left)})"
    # top is at factor_places + 12 places, bottom at 12: the quotient is top / bottom / 10^f.
    return rounded_quotient(top, units(right), places - factor_places, places)


def exact_divide(
    left: str, right: str, places: int = EXACT_PLACES, estimate: str | None = None
) -> str:
    """`left / right` as an exact decimal at `places` (DuckDB would give a DOUBLE)."""
    return exact_product_quotient(Decimal(1), left, right, places, estimate)


def exact_share(value: str, num: str, den: str) -> str:
    """value × num / den for integer num and den, exact to EXACT_PLACES: a yearly target of
    2,480,000 × 59/248 is 590,000 exactly, 1,000,000 / 3 is 333333.333333333333."""
    top = f"({units(value)} * CAST({num} AS HUGEINT))"
    return rounded_quotient(top, f"CAST({den} AS HUGEINT)", 0)


def settled(amount: str, places: int) -> str:
    """An incentive amount settled to SETTLE_PLACES, then rounded half away from zero to the
    currency's `places` (`kpiengine.money.round_money` is the same in Python)."""
    return f"ROUND(ROUND({amount}, {SETTLE_PLACES}), {places})"

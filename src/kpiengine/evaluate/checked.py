"""Which rule and which subject a number went out of range for.

The plan's numbers are exact decimals: DuckDB raises an error rather than round or wrap a value
that does not fit (the bounds are in docs/ruleset.md, "Numbers"). Its error names neither the
rule nor the row, so a run that fails that way is evaluated again *checked*: each column a rule
computes is wrapped so that a row whose value cannot be computed raises an error that names the
rule, the subject and the period. Only a failing run pays for the checks.
"""

from __future__ import annotations

from collections.abc import Callable

import duckdb

from kpiengine.errors import KpiEngineError
from kpiengine.names import GROUP, PERIOD, SUBJECT, VALUE
from kpiengine.sql import ident, literal

NUMERIC_FAILURES = (
    duckdb.ConversionException,
    duckdb.OutOfRangeException,
    duckdb.InvalidInputException,
)
"""What DuckDB raises for a value that does not fit: a cast, an overflow, a checked column."""

CANNOT = "cannot be computed for "
BEYOND = (
    ": a number is beyond the range kpiengine computes exactly (the bounds are under "
    "'Numbers' in docs/ruleset.md); no value is rounded or replaced by 0 to make it fit"
)


def person(alias: str = "t") -> str:
    """SQL naming a row of the people frame: `subject 'R001' in 2025-Q1`."""
    return f"'subject ''' || {alias}.{ident(SUBJECT)} || ''' in ' || {alias}.{ident(PERIOD)}"


def group(alias: str = "t") -> str:
    """SQL naming a row of a group frame: `group team '华东一组' in 2025-Q1`."""
    return (
        f"'group ' || {alias}.{ident(GROUP)} || ' ''' || {alias}.{ident(VALUE)} || ''' in ' "
        f"|| {alias}.{ident(PERIOD)}"
    )


def guarded(sql: str, rule: str, who: str) -> str:
    """`sql`, or — for a row where it fails (an overflow, a value that cannot be cast) — an
    error naming `rule` and the row (`who`, from `person` or `group`). A value that is NULL is
    kept: TRY marks the failure, the COALESCE a NULL that is no failure."""
    message = f"{literal(rule + ': ' + CANNOT)} || {who} || {literal(BEYOND)}"
    failed = f"TRY(COALESCE(CAST(({sql}) AS VARCHAR), '')) IS NULL"
    return f"(CASE WHEN {failed} THEN error({message}) ELSE ({sql}) END)"


def diagnosed(failure: duckdb.Error, checked: Callable[[], object]) -> KpiEngineError:
    """The error to report for a run that failed with `failure`: the checked run's, which names
    the rule and the subject, or — when it finds nothing more — DuckDB's own, in a sentence."""
    try:
        checked()
    except NUMERIC_FAILURES as exc:
        found = detail(exc)
        if CANNOT in found:
            return KpiEngineError(found)
    return KpiEngineError(described(failure))


def detail(exc: duckdb.Error) -> str:
    """DuckDB's message without its kind (`Out of Range Error: `) and the SQL it quotes."""
    first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    for kind in ("Conversion Error: ", "Out of Range Error: ", "Invalid Input Error: "):
        first = first.removeprefix(kind)
    return first


def described(failure: duckdb.Error) -> str:
    if isinstance(failure, duckdb.ConversionException):
        return f"a value in the data does not fit how the ruleset uses it: {detail(failure)}"
    return f"a number is beyond the range kpiengine computes exactly: {detail(failure)}"

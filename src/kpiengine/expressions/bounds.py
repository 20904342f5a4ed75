"""Every limit an expression or template must stay within, in one place.

A ruleset is untrusted input: these bounds keep parsing, checking and evaluating cheap
whatever a ruleset says. The messages that quote them live next to the checks.
"""

from __future__ import annotations

MAX_TEXT = 1_000
"""Characters in one expression; checked before Python's parser sees the text."""

MAX_NODES = 200
"""Parts (names, numbers, operators, calls, …) in one expression."""

MAX_DEPTH = 32
"""Nesting of parts inside parts, e.g. brackets inside brackets."""

MAX_EXPONENT = 100
"""`x ** n` needs a whole-number constant n from 0 to this."""

MAX_STRING = 200
"""Characters in one text literal such as 'won'."""

MAX_CONSTANT_DIGITS = 38
"""Digits in one number literal: what a DuckDB DECIMAL can hold exactly."""

MAX_NUMBER_EXPONENT = 99
"""Every number computed stays below 10**(this + 1); larger results are refused."""

DECIMAL_DIGITS = 40
"""Significant digits of scalar arithmetic: more than DECIMAL(38, s) needs, so sums stay exact."""

ROUND_DIGITS = (-9, 6)
"""round(x, n) needs a whole-number constant n in this range (inclusive): more places than
SQL_DECIMAL keeps would be lost again as soon as the result meets a column."""

SQL_ROUND_INPUT = "DECIMAL(38, 16)"
"""round() in SQL first casts to this exact type, so DOUBLE columns round half-up like Decimal."""

SQL_DECIMAL = "DECIMAL(38, 6)"
"""The engine's numeric column type. round() in SQL returns it: DuckDB's own DECIMAL(38, n)
result would make least/COALESCE/CASE drop every other argument's decimals beyond n."""

MAX_FUNCTION_TEXT = 10_000
"""Characters a plugin function may return as text."""

MAX_TEMPLATE = 2_000
"""Characters in one feedback message template."""

MAX_TEMPLATE_FIELDS = 20
"""{…} fields in one feedback message template."""

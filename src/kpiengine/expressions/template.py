"""Feedback message templates: `销售额完成率 {revenue.attainment:.0%},建议…`.

Each `{expr}` or `{expr:spec}` is a checked result expression; `{{` and `}}` are literal
braces. The spec is the standard numeric format mini-language only, matched by a strict
pattern: fill and align, sign, 0, width, grouping, precision and one type of `bdfegnxX%`.
Numbers are formatted half-up. A number without a type is shown as a plain decimal
(trailing zeros dropped, so 900000.000000 shows as 900000); a missing value as "—".
"""

from __future__ import annotations

import datetime as dt
import decimal
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from kpiengine.expressions.bounds import MAX_TEMPLATE, MAX_TEMPLATE_FIELDS
from kpiengine.expressions.expression import Expression, compile_expression
from kpiengine.expressions.failure import ExpressionFailure, Refusal
from kpiengine.expressions.functions import FunctionTable
from kpiengine.expressions.values import ARITHMETIC, Value, describe

MISSING = "—"

SPEC = re.compile(
    r"(?:(?P<fill>[^{}\x00-\x1f\x7f])?(?P<align>[<>=^]))?"
    r"(?P<sign>[-+ ])?(?P<zero>0)?(?P<width>[1-9][0-9]?)?(?P<grouping>[,_])?"
    r"(?:\.(?P<precision>[0-9]{1,2}))?(?P<type>[bdfegnxX%])?"
)
"""The only format specs allowed: width and precision at most two digits each."""

_INTEGER_TYPES = "bdxX"


@dataclass(frozen=True)
class Field:
    """One `{expr:spec}` of a template."""

    expression: Expression
    spec: str


@dataclass(frozen=True)
class Template:
    """A checked message template. Build it with `compile_template`."""

    text: str
    parts: tuple[str | Field, ...]
    names: frozenset[str]
    rule: str = ""

    def render(self, names: Mapping[str, object], missing: str = MISSING) -> str:
        """The message for one set of names (given flat, as for Expression.evaluate)."""
        return "".join(self._render(part, names, missing) for part in self.parts)

    def _render(self, part: str | Field, names: Mapping[str, object], missing: str) -> str:
        if isinstance(part, str):
            return part
        value = part.expression.evaluate(names)
        try:
            return format_value(value, part.spec, missing)
        except Refusal as refusal:
            raise ExpressionFailure(self.rule, part.expression.text, str(refusal)) from None


def compile_template(
    text: str, *, rule: str = "", functions: FunctionTable | None = None
) -> Template:
    """Check a message template; raises ExpressionError naming `rule` for anything wrong."""
    try:
        pieces = split_template(text)
    except Refusal as refusal:
        raise ExpressionFailure(rule, text, str(refusal)) from None
    parts = tuple(_part(piece, rule, functions) for piece in pieces)
    names = frozenset().union(*(p.expression.names for p in parts if isinstance(p, Field)))
    return Template(text=text, parts=parts, names=names, rule=rule)


def _part(piece: str | tuple[str, str], rule: str, functions: FunctionTable | None) -> str | Field:
    if isinstance(piece, str):
        return piece
    source, spec = piece
    if SPEC.fullmatch(spec) is None:
        raise ExpressionFailure(rule, "{" + source + ":" + spec + "}", _bad_spec(spec))
    expression = compile_expression(source, kind="result", functions=functions, rule=rule)
    return Field(expression, spec)


def _bad_spec(spec: str) -> str:
    return (
        f"'{spec}' is not a format kpiengine knows; use e.g. .0% (percent), ,.2f (two "
        "decimals with thousands separators), >8 (right-aligned in 8 places)"
    )


def split_template(text: str) -> list[str | tuple[str, str]]:
    """Literal text and (expression, spec) pairs; `{{`/`}}` become single braces."""
    if len(text) > MAX_TEMPLATE:
        raise Refusal(
            f"the message is too long ({len(text):,} characters; at most {MAX_TEMPLATE:,})"
        )
    pieces: list[str | tuple[str, str]] = []
    literal, i = [], 0
    while i < len(text):
        char, pair = text[i], text[i : i + 2]
        if pair in ("{{", "}}"):
            literal.append(char)
            i += 2
        elif char == "}":
            raise Refusal("a single '}' must be written '}}'")
        elif char == "{":
            pieces.extend(["".join(literal), _field(text, i)])
            literal, i = [], text.index("}", i) + 1
        else:
            literal.append(char)
            i += 1
    pieces.append("".join(literal))
    if sum(isinstance(p, tuple) for p in pieces) > MAX_TEMPLATE_FIELDS:
        raise Refusal(f"a message may have at most {MAX_TEMPLATE_FIELDS} {{…}} fields")
    return [p for p in pieces if p != ""]


def _field(text: str, start: int) -> tuple[str, str]:
    end = text.find("}", start + 1)
    if end < 0:
        raise Refusal("a '{' is not closed; a literal brace is written '{{'")
    inside = text[start + 1 : end]
    if "{" in inside:
        raise Refusal("a {…} field may not contain another '{'")
    if not inside.strip():
        raise Refusal("an empty {} field; write what to show, e.g. {revenue.attainment:.0%}")
    colon = _colon(inside)
    return (inside, "") if colon < 0 else (inside[:colon], inside[colon + 1 :])


def _colon(inside: str) -> int:
    """The first ':' outside quotes: where the format spec starts."""
    quote = ""
    for i, char in enumerate(inside):
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == ":":
            return i
    return -1


def format_value(value: Value, spec: str, missing: str = MISSING) -> str:
    """A value formatted by an allowed spec; Decimals half-up, integers for b/d/x/X."""
    if value is None:
        return missing
    try:
        return _format(value, spec)
    except ValueError as exc:  # an allowed spec Python still rejects, such as ',n'
        raise Refusal(
            f"{describe(value)} could not be shown with the format ':{spec}': {exc}"
        ) from exc


def _format(value: Value, spec: str) -> str:
    if isinstance(value, Decimal):
        return _format_number(value, spec)
    shown = value.isoformat() if isinstance(value, dt.date) else str(value)
    match = SPEC.fullmatch(spec)
    if match is None or match["type"] or match["grouping"] or match["sign"]:
        raise Refusal(f"the format ':{spec}' needs a number, but the value is {describe(value)}")
    return format(shown, spec)


def _format_number(number: Decimal, spec: str) -> str:
    match = SPEC.fullmatch(spec)
    assert match is not None  # compile_template checked it
    if match["type"] is None:
        spec = _plain_spec(match, number)
    elif match["type"] in _INTEGER_TYPES:
        return format(_integer(number, spec), spec)
    with decimal.localcontext(ARITHMETIC) as context:
        context.rounding = decimal.ROUND_HALF_UP
        return format(number, spec)


def _plain_spec(match: re.Match[str], number: Decimal) -> str:
    """No type given: fixed-point, with the given precision or as many places as needed."""
    with decimal.localcontext(ARITHMETIC):
        exponent = number.normalize().as_tuple().exponent
    places = match["precision"] or str(max(0, -exponent if isinstance(exponent, int) else 0))
    keep = ("fill", "align", "sign", "zero", "width", "grouping")
    return "".join(match[k] or "" for k in keep) + f".{places}f"


def _integer(number: Decimal, spec: str) -> int:
    if number != number.to_integral_value():
        raise Refusal(f"the format ':{spec}' needs a whole number, not {number}")
    return int(number)

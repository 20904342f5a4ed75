"""Hostile and malformed expressions: each refused with ExpressionError, quickly, nothing else."""

from __future__ import annotations

import pytest

from kpiengine.errors import ExpressionError
from kpiengine.expressions import compile_expression
from kpiengine.expressions.bounds import MAX_DEPTH, MAX_NODES, MAX_TEXT

RULE = "indicators[2].actual.where"


def refuse(text, kind="row"):
    with pytest.raises(ExpressionError) as caught:
        compile_expression(text, kind=kind, rule=RULE)
    message = str(caught.value)
    assert message.startswith(RULE + ": ")
    return message


HOSTILE = {
    "dunder walk from a tuple": ("().__class__.__bases__", "result", "after a dot only"),
    "dunder walk from a string": ("''.__class__.__mro__", "result", "after a dot only"),
    "dunder on a name": ("x.__class__", "result", "names starting with '_'"),
    "dunder dict on an indicator": ("revenue.__dict__", "result", "names starting with '_'"),
    "dunder in a row expression": ("x.__class__", "row", "attribute access"),
    "dunder globals of a function": ("min.__globals__", "result", "names starting with '_'"),
    "dotted chain": ("revenue.actual.real", "result", "after a dot only"),
    "attribute of a call": ("abs(x).actual", "result", "after a dot only"),
    "unknown attribute": ("revenue.actuall", "result", "did you mean 'actual'"),
    "import statement": ("import os", "row", "'import' is not allowed"),
    "from import": ("from os import system", "row", "'import' is not allowed"),
    "__import__ call": ("__import__('os').system('ls')", "result", "methods such as .system()"),
    "__import__ bare": ("__import__('os')", "row", "unknown function '__import__'"),
    "open": ("open('/etc/passwd')", "row", "unknown function 'open'"),
    "eval": ("eval('1')", "row", "unknown function 'eval'"),
    "exec": ("exec('x = 1')", "row", "unknown function 'exec'"),
    "getattr": ("getattr(x, 'y')", "row", "unknown function 'getattr'"),
    "type": ("type(x)", "row", "unknown function 'type'"),
    "dunder name": ("__builtins__", "row", "names starting with '__'"),
    "power tower": ("9**9**9", "row", "'**' needs a power"),
    "huge power": ("10**1000", "row", "'**' needs a power"),
    "power of a name": ("2**x", "row", "'**' needs a power"),
    "negative power": ("2**-1", "row", "'**' needs a power"),
    "fractional power": ("2**0.5", "row", "'**' needs a power"),
    "text times a huge number": ("'a'*10**9", "row", "multiplying text"),
    "number times text": ("3 * 'a'", "row", "multiplying text"),
    "huge text literal": ("'" + "a" * 300 + "'", "row", "at most 200 characters"),
    "text plus number": ("'text' + 1", "row", "joining text is not allowed"),
    "list comprehension": ("[x for x in y]", "row", "comprehensions"),
    "generator": ("min(x for x in y)", "row", "comprehensions"),
    "dict comprehension": ("{x: 1 for x in y}", "row", "comprehensions"),
    "set comprehension": ("{x for x in y}", "row", "comprehensions"),
    "lambda": ("(lambda: 1)()", "row", "only functions can be called"),
    "lambda value": ("lambda: 1", "row", "'lambda' is not allowed"),
    "f-string": ("f'{x}'", "row", "f-strings are not allowed"),
    "f-string with dunder": ("f'{x.__class__}'", "result", "f-strings are not allowed"),
    "subscript": ("x[0]", "row", "indexing"),
    "slice": ("x[1:2]", "row", "indexing"),
    "keyword argument": ("round(x, ndigits=2)", "row", "keyword arguments"),
    "double-star keywords": ("round(**x)", "row", "keyword arguments"),
    "starred argument": ("min(*x)", "row", "'*' unpacking"),
    "walrus": ("(y := 1)", "row", "':=' is not allowed"),
    "assignment": ("x = 1", "row", "assignment"),
    "augmented assignment": ("x += 1", "row", "assignment"),
    "set literal": ("{1, 2}", "row", "sets"),
    "dict literal": ("{'a': 1}", "row", "dictionaries"),
    "bare tuple": ("(1, 2)", "row", "a list is allowed only after 'in'"),
    "bare list": ("[1, 2]", "row", "a list is allowed only after 'in'"),
    "bytes": ("b'abc'", "row", "byte strings"),
    "imaginary": ("1j", "row", "imaginary numbers"),
    "ellipsis": ("...", "row", "is not allowed"),
    "infinite float": ("1e999", "row", "too large"),
    "too many digits": ("1" * 40, "row", "at most 38 digits"),
    "method call": ("stage.lower()", "row", "methods such as .lower()"),
    "is": ("x is None", "row", "'is' is not allowed"),
    "is not": ("x is not None", "row", "'is not' is not allowed"),
    "equal None": ("x == None", "row", "comparing with None"),
    "None in list": ("x in (1, None)", "row", "comparing with None"),
    "floor division": ("x // 2", "row", "'//' is not allowed"),
    "modulo": ("x % 2", "row", "'%' is not allowed"),
    "bitwise and": ("a & b", "row", "'&' is not allowed"),
    "bitwise or": ("a | b", "row", "'|' is not allowed"),
    "xor": ("a ^ b", "row", "'^' is not allowed"),
    "shift": ("1 << 1000", "row", "'<<' is not allowed"),
    "invert": ("~x", "row", "'~' is not allowed"),
    "matmul": ("a @ b", "row", "'@' is not allowed"),
    "await": ("await x", "row", "'await' is not allowed"),
    "yield": ("yield x", "row", "'yield' is not allowed"),
    "two statements": ("a; b", "row", "single expression"),
    "trailing semicolon": ("a;", "row", "unexpected ';'"),
    "comment": ("a # b", "row", "comments"),
    "syntax error": ("a +", "row", "not a valid expression"),
    "unclosed bracket": ("min(a, b", "row", "not a valid expression"),
    "empty": ("   ", "row", "empty"),
    "NUL in the text": ("a\x00b", "row", "control character U+0000"),
    "NUL in a literal": ("s == '\\x00'", "row", "control character U+0000"),
    "newline in a literal": ("s == 'a\\nb'", "row", "control character U+000A"),
    "full-width operator": ("a ＜ b", "row", "write '<' instead"),
    "curly quotes": ("stage == ‘won’", "row", "write ''' instead"),
    "in a name": ("'a' in s", "row", "contains(text, part)"),
    "in an empty list": ("s in ()", "row", "empty"),
    "in a mixed list": ("s in ('a', 1)", "row", "must all be text or all numbers"),
    "in a computed list": ("s in (a, b)", "row", "only fixed values"),
    "chained with a call in the middle": ("0 < abs(x) < 1", "row", "chained comparison"),
    "text compared with a number": ("'a' < 1", "row", "cannot compare text with a number"),
    "and on numbers": ("1 and x", "row", "'and' needs a true/false value"),
    "if on text": ("1 if 'a' else 2", "row", "'if' needs a true/false value"),
    "branches of two kinds": ("1 if x else 'a'", "row", "same kind of value"),
    "wrong argument kind": ("lower(1)", "row", "lower() works on text"),
    "too many arguments": ("abs(1, 2)", "row", "abs() takes 1 value, not 2"),
    "too few arguments": ("min(1)", "row", "min() takes at least 2 values, not 1"),
    "round digits not constant": ("round(x, y)", "row", "round(x, n) needs n"),
    "round digits too many": ("round(x, 7)", "row", "round(x, n) needs n"),
    "misspelt function": ("rnd(x)", "row", "did you mean 'round'"),
}


@pytest.mark.parametrize(("text", "kind", "reason"), HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_expression_is_refused_with_a_reason(text, kind, reason):
    assert reason in refuse(text, kind)


LONG = 100_000


@pytest.mark.parametrize(
    "text",
    [
        "1+" * LONG + "1",
        "(" * LONG + "1" + ")" * LONG,
        "-(" * LONG + "1" + ")" * LONG,
        "not " * LONG + "x",
        "'" + "a" * LONG + "'",
        "a" * LONG,
    ],
    ids=["operator chain", "parentheses", "negations", "nots", "text literal", "name"],
)
def test_very_long_expression_is_refused_before_parsing(text):
    assert f"at most {MAX_TEXT:,}" in refuse(text)


@pytest.mark.parametrize(
    "text",
    [
        "1+" * 450 + "1",
        "(" * 300 + "1" + ")" * 300,
        "-(" * 250 + "1" + ")" * 250,
        "-" * 900 + "1",
        "not " * 240 + "x",
        "a < " * 200 + "b",
        "min(" * 150 + "1, 2" + ")" * 150,
    ],
    ids=["sum", "parentheses", "negations", "minus signs", "nots", "comparisons", "calls"],
)
def test_large_expression_within_the_length_limit_is_refused(text):
    message = refuse(text)
    assert any(
        reason in message
        for reason in ("nested too deeply", "too many parts", "too many nested parentheses")
    )


def test_nesting_at_the_depth_limit_is_accepted():
    text = "-" * (MAX_DEPTH - 1) + "x"
    assert compile_expression(text, kind="row").names == {"x"}
    assert "nested too deeply" in refuse("-" + text)


def test_parts_at_the_limit_are_accepted():
    args = ", ".join(["a"] * (MAX_NODES - 2))  # the call and its name are parts too
    assert compile_expression(f"min({args})", kind="row").functions == {"min"}
    assert f"too many parts (at most {MAX_NODES})" in refuse(f"min({args}, a)")


def test_message_names_the_rule_and_shows_the_expression():
    message = refuse("opne(x) > 1")
    assert message == f"{RULE}: unknown function 'opne' (in \"opne(x) > 1\")"


def test_message_cuts_a_long_expression_short():
    message = refuse("1+" * 600 + "1")
    assert "…" in message
    assert len(message) < 200


def test_message_shows_control_characters_escaped():
    assert "a\\u0000b" in refuse("a\x00b")


def test_refusal_carries_rule_text_and_reason():
    with pytest.raises(ExpressionError) as caught:
        compile_expression("x.y", kind="row", rule="metrics.won.where")
    assert caught.value.rule == "metrics.won.where"
    assert caught.value.text == "x.y"
    assert caught.value.reason.startswith("attribute access")


def test_multi_line_expression_is_one_expression():
    text = "weight *\n  min(attainment,\n      1.2)"
    assert compile_expression(text, kind="result").names == {"weight", "attainment"}


@pytest.mark.parametrize(
    "text",
    [
        "revenue.actual",
        "revenue.target",
        "revenue.attainment",
        "revenue.weight",
        "revenue.score",
        "销售额.attainment",
    ],
)
def test_indicator_fields_are_allowed_in_result_expressions(text):
    assert compile_expression(text, kind="result").names == {text}
    assert "attribute access" in refuse(text, "row")


def test_kind_must_be_row_or_result():
    with pytest.raises(ValueError, match="kind"):
        compile_expression("1", kind="cell")

"""The function table: built-ins, and functions that plugins add."""

from __future__ import annotations

import math
from decimal import Decimal

import duckdb
import pytest

from kpiengine.errors import ExpressionError, PluginError
from kpiengine.expressions import FunctionTable, compile_expression, quote_identifier
from kpiengine.plugins import Function as Registered

BUILTIN_NAMES = [
    "abs",
    "clamp",
    "coalesce",
    "contains",
    "len",
    "lower",
    "max",
    "min",
    "month",
    "round",
    "startswith",
    "upper",
    "year",
]


def bigger(a, b):
    return max(a, b)


def test_builtin_table():
    assert FunctionTable().names() == BUILTIN_NAMES


def test_plugin_function_with_sql_works_in_row_and_result_expressions():
    table = FunctionTable().with_plugins([Registered("bigger", bigger, "greatest({0}, {1})", "p")])
    expression = compile_expression("bigger(a, 2)", kind="row", functions=table)
    assert expression.evaluate({"a": 5}) == 5
    assert expression.to_sql(quote_identifier) == 'greatest("a", 2)'
    con = duckdb.connect()
    con.execute("CREATE TABLE t AS SELECT 5 AS a UNION ALL SELECT 1")
    assert con.execute(f"SELECT {expression.to_sql(quote_identifier)} FROM t").fetchall() == [
        (5,),
        (2,),
    ]


def test_plugin_function_without_sql_only_in_result_expressions():
    table = FunctionTable().with_plugins([Registered("double", lambda x: x * 2, None, "p")])
    assert compile_expression("double(revenue.actual)", kind="result", functions=table).evaluate(
        {"revenue.actual": Decimal("1.5")}
    ) == Decimal("3.0")
    with pytest.raises(ExpressionError, match=r"from plugin 'p'\) has no database form"):
        compile_expression("double(amount)", kind="row", functions=table)


def test_plugin_function_is_strict_about_none():
    calls = []
    table = FunctionTable().with_plugins([Registered("spy", lambda x: calls.append(x), None, "p")])
    assert (
        compile_expression("spy(x)", kind="result", functions=table).evaluate({"x": None}) is None
    )
    assert calls == []


def test_plugin_function_results_become_expression_values():
    table = FunctionTable().with_plugins([Registered("third", lambda x: float(x) / 3, None, "p")])
    result = compile_expression("third(x)", kind="result", functions=table).evaluate({"x": 1})
    assert result == Decimal(repr(1 / 3))


def test_plugin_function_failure_names_the_plugin():
    table = FunctionTable().with_plugins([Registered("boom", lambda x: 1 / 0, None, "acme")])
    with pytest.raises(ExpressionError, match=r"function 'boom' \(from plugin 'acme'\) failed"):
        compile_expression("boom(1)", kind="result", functions=table, rule="r").evaluate({})


@pytest.mark.parametrize(
    ("returned", "reason"),
    [(object(), "returned a object"), ("x" * 20_000, "longer than"), (math.nan, "not a number")],
)
def test_plugin_function_odd_results_are_refused(returned, reason):
    table = FunctionTable().with_plugins([Registered("odd", lambda: returned, None, "p")])
    with pytest.raises(ExpressionError, match=reason):
        compile_expression("odd()", kind="result", functions=table).evaluate({})


def test_plugin_function_arity_comes_from_its_signature():
    def scale(x, factor=2):
        return x * factor

    table = FunctionTable().with_plugins([Registered("scale", scale, None, "p")])
    assert compile_expression("scale(1, 3)", kind="result", functions=table).evaluate({}) == 3
    with pytest.raises(ExpressionError, match=r"scale\(\) takes 1 to 2 values, not 3"):
        compile_expression("scale(1, 2, 3)", kind="result", functions=table)


@pytest.mark.parametrize(
    ("registered", "reason"),
    [
        (Registered("min", min, None, "p"), "already defined by kpiengine itself"),
        (Registered("_hidden", abs, None, "p"), "needs a name"),
        (Registered("two words", abs, None, "p"), "needs a name"),
        (Registered("ev", eval, None, "p"), "unsafe"),
        (Registered("op", open, None, "p"), "unsafe"),
        (Registered("ga", getattr, None, "p"), "unsafe"),
        (Registered("t", bigger, "greatest({0!r}, {1})", "p"), "may use only"),
        (Registered("t", bigger, "greatest({a}, {b})", "p"), "may use only"),
        (Registered("t", bigger, "greatest({0.real}, {1})", "p"), "may use only"),
        (Registered("t", bigger, "greatest({0:>3}, {1})", "p"), "may use only"),
        (Registered("t", bigger, "greatest({0}, {2})", "p"), "once each"),
        (Registered("t", bigger, "abs({0})", "p"), "once each"),
        (Registered("t", bigger, "greatest({0}, {1)", "p"), "bad SQL template"),
        (Registered("t", lambda *, k: k, None, "p"), "keyword-only"),
    ],
)
def test_unsafe_or_clashing_plugin_function_is_a_plugin_error(registered, reason):
    with pytest.raises(PluginError, match=reason):
        FunctionTable().with_plugins([registered])


def test_two_plugins_with_one_function_name_are_both_named():
    with pytest.raises(PluginError, match="from plugin 'b' is already defined by plugin 'a'"):
        FunctionTable().with_plugins(
            [Registered("f", abs, None, "a"), Registered("f", abs, None, "b")]
        )


def test_with_plugins_leaves_the_original_table_alone():
    base = FunctionTable()
    extended = base.with_plugins([Registered("bigger", bigger, None, "p")])
    assert "bigger" in extended
    assert "bigger" not in base


def test_unknown_function_suggests_only_allowed_functions():
    with pytest.raises(ExpressionError, match="did you mean 'round'"):
        compile_expression("roud(x)", kind="row")
    with pytest.raises(ExpressionError) as caught:
        compile_expression("opne(x)", kind="row")
    assert "open'" not in str(caught.value).split("(in")[0]

"""The DuckDB SQL form: safe literals, and the same answers as the scalar form."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kpiengine.errors import ExpressionError
from kpiengine.expressions import compile_expression, quote_identifier, where_sql
from kpiengine.numeric import exact_divide

COLUMNS = {
    "n": "DECIMAL(38, 6)",
    "m": "DECIMAL(38, 6)",
    "i": "BIGINT",
    "f": "DOUBLE",
    "s": "VARCHAR",
    "t": "VARCHAR",
    "d": "DATE",
    "flag": "BOOLEAN",
}


@pytest.fixture
def con():
    connection = duckdb.connect()
    yield connection
    connection.close()


def load(con, rows):
    """The rows in a table `t`, and back as DuckDB gives them to Python (Decimal, float…)."""
    columns = ", ".join(f"{quote_identifier(c)} {sql_type}" for c, sql_type in COLUMNS.items())
    con.execute(f"CREATE OR REPLACE TEMP TABLE t (k INTEGER, {columns})")
    marks = ", ".join("?" for _ in range(len(COLUMNS) + 1))
    con.executemany(
        f"INSERT INTO t VALUES ({marks})",
        [[k, *(row.get(c) for c in COLUMNS)] for k, row in enumerate(rows)],
    )
    stored = con.execute(f"SELECT {', '.join(map(quote_identifier, COLUMNS))} FROM t ORDER BY k")
    return [dict(zip(COLUMNS, values, strict=True)) for values in stored.fetchall()]


def sql_values(con, sql):
    return [row[0] for row in con.execute(f"SELECT {sql} FROM t ORDER BY k").fetchall()]


def same(scalar, sql, quotient=False):
    """Exact where DuckDB computed exactly; to 1e-9 where it computed in DOUBLE, or where a
    quotient exact to 12 places met a DOUBLE on the way (`quotient`)."""
    if scalar is None or sql is None:
        return scalar is None and sql is None
    if isinstance(sql, bool) or isinstance(scalar, bool):
        return type(sql) is type(scalar) and sql == scalar
    if isinstance(sql, float) or (quotient and isinstance(sql, Decimal)):
        return isinstance(scalar, Decimal) and math.isclose(
            float(scalar), sql, rel_tol=1e-9, abs_tol=1e-6
        )
    if isinstance(sql, int | Decimal):
        return isinstance(scalar, Decimal) and Decimal(sql) == scalar
    return sql == scalar


def both(con, text, rows, kind="row"):
    expression = compile_expression(text, kind=kind)
    stored = load(con, rows)
    scalars = [expression.evaluate(row) for row in stored]
    return scalars, sql_values(con, expression.to_sql(quote_identifier))


def assert_agree(con, text, rows, quotient=False):
    scalars, sqls = both(con, text, rows)
    for row, scalar, sql in zip(rows, scalars, sqls, strict=True):
        assert same(scalar, sql, quotient), f"{text} on {row}: scalar {scalar!r}, SQL {sql!r}"
    return scalars


# -- the SQL text -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "sql"),
    [
        ("stage == 'won'", "(\"stage\" = 'won')"),
        ("a / b", exact_divide('"a"', 'NULLIF("b", 0)')),
        ("-(-x)", '(- (- "x"))'),
        ("x - -1", '("x" - (- 1))'),
        ("0.1", "0.1"),
        ("1e-7", "0.0000001"),
        ("1.5e3", "1500.0"),
        ("not a or b and c", '((NOT "a") OR ("b" AND "c"))'),
        ("s in ('a', 'b')", "(\"s\" IN ('a', 'b'))"),
        ("0 < x <= 1", '((0 < "x") AND ("x" <= 1))'),
        ("1 if c else None", '(CASE WHEN "c" THEN 1 ELSE NULL END)'),
        ("x ** 2", 'power("x", 2)'),
        ("min(x, 1.2)", '(CASE WHEN "x" IS NULL THEN NULL ELSE least("x", 1.2) END)'),
        ("max(x + 1, y)", "list_sort([(\"x\" + 1), \"y\"], 'DESC', 'NULLS FIRST')[1]"),
        ("round(x, 2)", 'CAST(round(CAST("x" AS DECIMAL(38, 16)), 2) AS DECIMAL(38, 6))'),
        ("coalesce(x, 0)", 'COALESCE("x", 0)'),
        ('startswith(s, "a")', "starts_with(\"s\", 'a')"),
    ],
)
def test_sql_text(text, sql):
    assert compile_expression(text, kind="row").to_sql(quote_identifier) == sql


def test_dotted_names_reach_the_column_callback_whole():
    seen = []
    expression = compile_expression("revenue.attainment < 0.8", kind="result")
    assert expression.to_sql(lambda name: seen.append(name) or "c") == "(c < 0.8)"
    assert seen == ["revenue.attainment"]


def test_where_sql_treats_unknown_as_false(con):
    load(con, [{"n": 1}, {"n": None}, {"n": 3}])
    expression = compile_expression("n > 2 or n < 2", kind="row")
    where = where_sql(expression, quote_identifier)
    assert where == 'COALESCE((("n" > 2) OR ("n" < 2)), FALSE)'
    assert con.execute(f"SELECT k FROM t WHERE {where} ORDER BY k").fetchall() == [(0,), (2,)]


HOSTILE_TEXT = [
    "it's",
    "'); DROP TABLE victim; --",
    "\\'; DROP TABLE victim; --",
    "a\\b\\\\",
    "\\",
    '"quoted"',
    "$$dollar$$",
    "E'\\x41'",
    "/* comment */",
    "-- comment",
    "销售额'完成\u2028率",
    "🦆",
    "'",
    "''",
]


@pytest.mark.parametrize("literal", HOSTILE_TEXT)
def test_text_literal_cannot_escape_its_quotes(con, literal):
    con.execute("CREATE TABLE victim (x INTEGER)")
    text = f"s == {literal!r}"
    scalars, sqls = both(con, text, [{"s": literal}, {"s": "other"}])
    assert scalars == sqls == [True, False]
    assert con.execute("SELECT count(*) FROM victim").fetchone() == (0,)


@pytest.mark.parametrize("literal", ["\x00", "a\x00b", "\n", "\r", "\x1b[31m", "\ud800"])
def test_control_characters_in_literals_are_refused(literal):
    with pytest.raises(ExpressionError, match="control character"):
        compile_expression(f"s == {literal!r}", kind="row")


def test_plugin_function_without_sql_cannot_become_sql():
    from kpiengine.expressions import FunctionTable
    from kpiengine.plugins import Function

    table = FunctionTable().with_plugins([Function("twice", lambda x: x * 2, None, "p")])
    expression = compile_expression("twice(revenue.actual)", kind="result", functions=table)
    with pytest.raises(ExpressionError, match="no database form"):
        expression.to_sql(quote_identifier)


# -- agreement, case by case --------------------------------------------------------------

ROWS = [
    {
        "n": Decimal("1.5"),
        "m": Decimal("2"),
        "i": 3,
        "f": 2.675,
        "s": "won",
        "t": "赢单",
        "d": dt.date(2025, 3, 9),
        "flag": True,
    },
    {
        "n": Decimal("-2.5"),
        "m": Decimal("0"),
        "i": -4,
        "f": 0.1,
        "s": "lost",
        "t": "it's",
        "d": dt.date(2024, 12, 31),
        "flag": False,
    },
    {
        "n": None,
        "m": Decimal("0.25"),
        "i": None,
        "f": None,
        "s": None,
        "t": "",
        "d": None,
        "flag": None,
    },
    {
        "n": Decimal("0.125"),
        "m": None,
        "i": 0,
        "f": -2.5,
        "s": "WON",
        "t": "a\\b",
        "d": dt.date(2025, 1, 1),
        "flag": True,
    },
]

CASES = [
    "n + m",
    "n - m",
    "n * m",
    "-n",
    "+n",
    "abs(n)",
    "n * 0.1",
    "i + n",
    "i * i",
    "n / m",
    "n / 0",
    "i / 4",
    "f / 2",
    "n ** 2",
    "i ** 3",
    "f ** 2",
    "0.1 + 0.2 == 0.3",
    "f + 1",
    "round(n)",
    "round(n, 1)",
    "round(n, 2)",
    "round(f, 2)",
    "round(f)",
    "round(i, -1)",
    "round(n * 1000, -2)",
    "min(round(n), m)",
    "coalesce(round(n, 1), m)",
    "min(n, m)",
    "max(n, m, 0)",
    "min(n, 1.2)",
    "min(n + 1, m)",
    "max(abs(n), m * 2)",
    "clamp(n, 0, 1.2)",
    "clamp(n * 2, m, 3)",
    "clamp(n, -1, m)",
    "coalesce(n, m, 0)",
    "coalesce(s, t)",
    "coalesce(n * 2, 1)",
    "n > m",
    "n >= 1.5",
    "n == 1.5",
    "n != m",
    "i < n",
    "-1 <= n < 1",
    "0 < i <= 3 < m",
    "n > 1 and s == 'won'",
    "n > 1 or s == 'won'",
    "not (n > 1)",
    "flag and n < 0",
    "flag or i > 0",
    "not flag",
    "s == 'won'",
    "s != 'won'",
    "s < t",
    "s in ('won', 'lost')",
    "s not in ('won', 'lost')",
    "n in (1.5, -2.5)",
    "i not in (3, 0)",
    "t == '赢单'",
    't == "it\'s"',
    "t == 'a\\\\b'",
    "lower(s)",
    "upper(t)",
    "len(t)",
    "startswith(s, 'w')",
    "contains(t, '单')",
    "contains(s, 'o') and len(s) > 3",
    "year(d)",
    "month(d)",
    "d >= '2025-01-01'",
    "d < '2025-03-09'",
    "n if flag else m",
    "s if n > 0 else t",
    "(n > 0) if flag else (m > 0)",
    "1 if n > 100 else 2",
]


@pytest.mark.parametrize("text", CASES)
def test_scalar_and_sql_agree(con, text):
    assert_agree(con, text, ROWS)


def test_agreement_covers_null_semantics(con):
    assert assert_agree(con, "min(n, 1.2)", ROWS)[2] is None
    assert assert_agree(con, "n > 1 or s == 'won'", ROWS)[2] is None
    assert assert_agree(con, "n / m", ROWS)[1] is None
    assert assert_agree(con, "round(f, 2)", ROWS)[0] == Decimal("2.68")


# -- agreement, generated -----------------------------------------------------------------

EXACT_NUMBERS = ["n", "m", "i"]
NUMBER_CONSTANTS = ["0", "1", "2", "3", "10", "0.5", "1.5", "-1"]
TEXTS = ["won", "lost", "", "赢单", "it's", "a\\b", "WON", "w"]
TEXT_CONSTANTS = [repr(t) for t in TEXTS]
DATE_CONSTANTS = ["'2024-12-31'", "'2025-01-01'", "'2025-03-09'"]


def _leaf_number(draw):
    return draw(st.sampled_from([*EXACT_NUMBERS, *NUMBER_CONSTANTS, "len(s)", "month(d)"]))


@st.composite
def numbers(draw, depth=3):
    """Exact arithmetic only: DuckDB keeps it DECIMAL/BIGINT, so answers compare exactly.

    A product's right side is a leaf, so DECIMAL scales stay far below DuckDB's 38.
    """
    if depth == 0 or draw(st.integers(0, 3)) == 0:
        return _leaf_number(draw)
    inner = numbers(depth - 1)
    shape = draw(st.integers(0, 9))
    if shape == 0:
        return f"({draw(inner)} {draw(st.sampled_from(['+', '-']))} {draw(inner)})"
    if shape == 1:
        return f"({draw(inner)} * {_leaf_number(draw)})"
    if shape == 2:
        return f"-({draw(inner)})"
    if shape == 3:
        return f"abs({draw(inner)})"
    if shape == 4:
        return f"round({draw(inner)}, {draw(st.sampled_from(['0', '1', '2', '-1']))})"
    if shape == 5:
        args = draw(st.lists(inner, min_size=2, max_size=3))
        return f"{draw(st.sampled_from(['min', 'max']))}({', '.join(args)})"
    if shape == 6:
        return f"clamp({draw(inner)}, {draw(inner)}, {draw(inner)})"
    if shape == 7:
        return f"coalesce({draw(inner)}, {draw(inner)})"
    if shape == 8:
        return f"({draw(inner)} if {draw(conditions(depth - 1))} else {draw(inner)})"
    return "year(d)"


@st.composite
def texts(draw, depth=2):
    if depth == 0 or draw(st.booleans()):
        return draw(st.sampled_from(["s", "t", *TEXT_CONSTANTS]))
    inner = texts(depth - 1)
    shape = draw(st.integers(0, 2))
    if shape == 0:
        return f"{draw(st.sampled_from(['lower', 'upper']))}({draw(inner)})"
    if shape == 1:
        return f"coalesce({draw(inner)}, {draw(inner)})"
    return f"({draw(inner)} if {draw(conditions(depth - 1))} else {draw(inner)})"


COMPARE = st.sampled_from(["==", "!=", "<", "<=", ">", ">="])


@st.composite
def conditions(draw, depth=2):
    shape = draw(st.integers(0, 9 if depth > 0 else 5))
    if shape == 0:
        return f"({draw(numbers(1))} {draw(COMPARE)} {draw(numbers(1))})"
    if shape == 1:
        return f"({draw(texts(1))} {draw(COMPARE)} {draw(texts(1))})"
    if shape == 2:
        items = draw(st.lists(st.sampled_from(TEXT_CONSTANTS), min_size=1, max_size=3))
        op = draw(st.sampled_from(["in", "not in"]))
        return f"({draw(texts(1))} {op} ({', '.join(items)},))"
    if shape == 3:
        items = draw(st.lists(st.sampled_from(NUMBER_CONSTANTS), min_size=1, max_size=3))
        return f"({draw(numbers(1))} in ({', '.join(items)},))"
    if shape == 4:
        fn = draw(st.sampled_from(["startswith", "contains"]))
        return f"{fn}({draw(texts(1))}, {draw(texts(1))})"
    if shape == 5:
        return draw(
            st.sampled_from(
                ["flag", f"(d {draw(COMPARE)} {draw(st.sampled_from(DATE_CONSTANTS))})"]
            )
        )
    if shape == 6:
        low, middle = draw(st.sampled_from(NUMBER_CONSTANTS)), draw(st.sampled_from(EXACT_NUMBERS))
        return f"({low} < {middle} <= 3)"
    if shape == 7:
        return f"(not {draw(conditions(depth - 1))})"
    op = draw(st.sampled_from(["and", "or"]))
    return f"({draw(conditions(depth - 1))} {op} {draw(conditions(depth - 1))})"


ROW = st.fixed_dictionaries(
    {
        "n": st.none()
        | st.sampled_from(["0", "1", "1.5", "-2.5", "0.1", "10", "-0.5"]).map(Decimal),
        "m": st.none() | st.sampled_from(["0", "2", "0.5", "-1", "3.5"]).map(Decimal),
        "i": st.none() | st.integers(-5, 5),
        "s": st.none() | st.sampled_from(TEXTS),
        "t": st.none() | st.sampled_from(TEXTS),
        "d": st.none() | st.sampled_from([dt.date(2024, 12, 31), dt.date(2025, 3, 9)]),
        "flag": st.none() | st.booleans(),
    }
)
SETTINGS = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@SETTINGS
@given(text=st.one_of(numbers(), conditions(), texts()), rows=st.lists(ROW, min_size=1, max_size=4))
def test_generated_expressions_agree_exactly(con, text, rows):
    assert_agree(con, text, rows)


@st.composite
def approximate(draw, depth=2):
    """Division, powers and DOUBLE columns: DuckDB computes in DOUBLE. Denominators are
    exact expressions, so that "divided by zero" is decided the same way on both sides."""
    if depth == 0 or draw(st.integers(0, 2)) == 0:
        return draw(st.sampled_from(["f", "f", "n", "i"]))
    inner = approximate(depth - 1)
    shape = draw(st.integers(0, 4))
    if shape == 0:
        return f"({draw(inner)} / {draw(numbers(1))})"
    if shape == 1:
        return f"({draw(numbers(1))} ** {draw(st.integers(0, 3))})"
    if shape == 2:
        return f"({draw(inner)} {draw(st.sampled_from(['+', '-', '*']))} {draw(inner)})"
    if shape == 3:
        return f"abs({draw(inner)})"
    return f"-({draw(inner)})"


APPROXIMATE_ROW = ROW.flatmap(
    lambda row: st.builds(
        lambda f: {**row, "f": f}, st.none() | st.sampled_from([0.1, 2.675, -3.5, 0.0, 1e3])
    )
)


@SETTINGS
@given(text=approximate(), rows=st.lists(APPROXIMATE_ROW, min_size=1, max_size=4))
def test_generated_divisions_and_powers_agree_to_double_precision(con, text, rows):
    assert_agree(con, text, rows, quotient=True)

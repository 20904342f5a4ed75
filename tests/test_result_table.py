"""The result table: the run's text cells, shown by DuckDB as CSV and JSON, and read back as
row objects; a row's JSON alone is byte for byte what the whole document holds for it."""

import csv
import io
import json
from decimal import Decimal
from itertools import zip_longest
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from kpitest import EXAMPLE, ROOT

from kpiengine import Layout, ResultTable, json_document, neutralised_cell
from kpiengine.evaluate.engine import evaluate
from kpiengine.evaluate.texts import number_text, trimmed
from kpiengine.plan.load import load_ruleset
from kpiengine.plugins import registry
from kpiengine.results import ResultColumn
from kpiengine.results.text import decimal_text

PLANS = [EXAMPLE, *sorted((ROOT / "tests" / "golden" / "payouts").glob("*/plan.yaml"))]


def csv_chunks(table, delimiter):
    return [chunk.decode("utf-8") for chunk in table.csv_chunks(delimiter)]


def run(plan):
    reg = registry()
    return evaluate(load_ruleset(Path(plan), reg).ruleset, reg).results


@pytest.fixture(scope="module", params=PLANS, ids=lambda p: Path(p).parent.name)
def results(request):
    return run(request.param)


def document(results, indent=2):
    return b"".join(json_document(results, indent)).decode("utf-8")


def test_a_run_is_its_table_and_the_rows_are_read_from_it(results):
    assert isinstance(results.table, ResultTable)
    assert len(results.table) == len(results.rows) > 0
    assert results.rows is results.rows  # read once
    shown = json.loads(document(results))
    assert [(r["subject"], r["period"]) for r in shown["results"]] == [
        (r.subject, r.period) for r in results.rows
    ]
    assert [r["payout"] for r in shown["results"]] == [f"{r.payout:.2f}" for r in results.rows]
    assert [(g["group"], g["value"]) for g in shown["groups"]] == [
        (g.group, g.value) for g in results.groups
    ]


def test_each_rows_json_is_its_line_in_the_document(results):
    lines = document(results).splitlines()
    rows = list(results.table.json_rows())
    start = lines.index('  "results": [') + 1
    assert [line.strip().rstrip(",") for line in lines[start : start + len(rows)]] == rows
    first, last = results.rows[0], results.rows[-1]
    alone = results.table.where(subject=last.subject, period=last.period)
    assert list(alone.json_rows()) == [rows[-1]]
    of_period = results.table.where(period=first.period)
    assert list(of_period.json_rows()) == [
        text for text, r in zip(rows, results.rows, strict=True) if r.period == first.period
    ]


@pytest.mark.parametrize("indent", [None, 2])
def test_the_document_without_indent_holds_the_same_json(results, indent):
    assert json.loads(document(results, indent)) == json.loads(document(results))


def test_the_csv_has_a_row_per_subject_and_period_in_order(results):
    rows = list(csv.DictReader(io.StringIO("".join(csv_chunks(results.table, ",")))))
    assert [(r["period"], r["subject"]) for r in rows] == [
        (r.period, r.subject) for r in results.rows
    ]
    assert [r["payout"] for r in rows] == [f"{r.payout:.2f}" for r in results.rows]


def test_the_arrow_cells_are_the_csv_cells(results):
    """`cells()` is the same table for outputs that write their own format."""
    parsed = list(csv.reader(io.StringIO("".join(csv_chunks(results.table, ",")))))
    batches = list(results.table.cells(batch_rows=3))
    assert parsed[0] == results.table.header
    cells = [
        ["" if v is None else v for v in row]
        for b in batches
        for row in zip(*(c.to_pylist() for c in b.columns), strict=True)
    ]
    assert cells == parsed[1:]


def test_readers_can_be_read_side_by_side(results):
    table = results.table
    together = list(zip_longest(table.result_json(",", 2), table.cells(2)))
    assert b",".join(j for j, _ in together if j) == b",".join(table.result_json(",", 2))
    assert sum(c.num_rows for _, c in together if c) == len(table)


# --- the SQL forms against the Python forms ---------------------------------------------------

decimals = st.decimals(allow_nan=False, allow_infinity=False, places=12).filter(
    lambda d: abs(d) < Decimal(10) ** 20
)


@settings(max_examples=60, deadline=None)
@given(st.lists(decimals, min_size=1, max_size=20))
def test_sql_decimal_text_is_pythons(values):
    con = duckdb.connect()
    con.register("t", pa.table({"v": pa.array(values, pa.decimal128(38, 12))}))
    for sql_type in ("DECIMAL(38, 12)", "DECIMAL(38, 3)", "DECIMAL(38, 0)", "HUGEINT"):
        value = f"CAST(v AS {sql_type})"
        sql = f"SELECT {number_text(value, sql_type)} AS n, CAST({value} AS VARCHAR) FROM t"
        fetched = con.sql(sql).to_arrow_table()
        texts = trimmed(fetched, [ResultColumn("n", "n", "number", None)]).column(0)
        assert texts.to_pylist() == [
            decimal_text(Decimal(p)) for p in fetched.column(1).to_pylist()
        ]


@settings(max_examples=60, deadline=None)
@given(st.lists(decimals, min_size=1, max_size=20))
def test_json_numbers_read_back_as_pythons_floats(values):
    con = duckdb.connect()
    texts = [decimal_text(v) for v in values]
    con.register("t", pa.table({"v": pa.array(texts, pa.string())}))
    got = [
        json.loads(r[0]) for r in con.execute("SELECT to_json(CAST(v AS JSON)) FROM t").fetchall()
    ]
    assert got == [int(v) if v == v.to_integral_value() else float(v) for v in values]
    whole = [v == v.to_integral_value() for v in values]
    assert [isinstance(g, int) for g in got] == whole


def person(subject, name, period):
    return {"subject": subject, "name": name, "period": period, "total": "0", "payout": "0.00"}


cells = st.text(alphabet=st.sampled_from(list('ab ,;"\r\n\t中')), max_size=8)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.lists(cells, min_size=3, max_size=3), min_size=1, max_size=5),
    st.sampled_from([",", ";", "\t"]),
)
def test_csv_lines_are_quoted_as_the_csv_module_quotes(rows, delimiter):
    """Byte for byte as Python writes them, except that a lone carriage return is quoted too
    (Python leaves it bare when lines end in \\n, and then cannot read its own file back); text
    that a spreadsheet would take for a formula has a ' before it."""
    table = ResultTable.from_rows(Layout(), 2, [person(*row) for row in rows])
    text = "".join(csv_chunks(table, delimiter))
    cells = [[*map(neutralised_cell, row), "0", "", "0.00", "", "", ""] for row in rows]
    assert list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))[1:] == cells
    if not any("\r" in cell for row in rows for cell in row):
        expected = io.StringIO()
        writer = csv.writer(expected, delimiter=delimiter, lineterminator="\n")
        writer.writerows([table.header, *cells])
        assert text == expected.getvalue()

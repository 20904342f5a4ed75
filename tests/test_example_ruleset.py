"""rulesets/2025.yaml on the shipped sample data: the DESIGN §1 seed row and hand-worked rows."""

import json
import math

import pytest
from kpitest import EXAMPLE, ROOT, invoke, run_json

EXPECTED = json.loads((ROOT / "tests/data/expected/2025-seed-rows.json").read_text("utf-8"))


def find(results, subject, period):
    return next(r for r in results["results"] if (r["subject"], r["period"]) == (subject, period))


def same(actual, expected, where):
    if isinstance(expected, float) or isinstance(actual, float):
        assert math.isclose(actual, expected, rel_tol=1e-9, abs_tol=1e-9), where
    elif isinstance(expected, dict):
        assert set(actual) == set(expected), where
        for key in expected:
            same(actual[key], expected[key], f"{where}.{key}")
    else:
        assert actual == expected, where


def test_the_design_seed_row_is_reproduced_exactly(example_results):
    row = find(example_results, "R001", "2025-Q1")
    scores = [row["indicators"][i]["score"] for i in ("revenue", "csat", "conversion", "teamwork")]
    assert scores == [36.0, 25.5, 16.0, 8.0]
    assert (row["total"], row["grade"]) == (85.5, "A")
    assert row["indicators"]["teamwork"]["actual"] == "良好"


def test_the_seed_row_pays_what_design_section_4_shows(example_results):
    row = find(example_results, "R001", "2025-Q1")
    assert row["incentives"] == {
        "commission": "12000.00",
        "bonus": "10000.00",
        "kicker": "6666.67",
        "champion": "0.00",
    }
    assert row["payout"] == "28666.67"
    assert row["honors"] == []


def test_every_incentive_appears_on_every_result(example_results):
    for row in example_results["results"]:
        assert list(row["incentives"]) == ["commission", "bonus", "kicker", "champion"]
        total = sum(float(v) for v in row["incentives"].values())
        assert abs(total - float(row["payout"])) < 0.001


@pytest.mark.parametrize("case", EXPECTED["results"], ids=lambda r: f"{r['subject']} {r['period']}")
def test_hand_worked_rows_match(example_results, case):
    row = find(example_results, case["subject"], case["period"])
    keys = ("name", "groups", "indicators", "metrics", "total", "grade", "ranks", "feedback")
    for key in keys:
        same(row[key], case[key], key)
    assert len(row["warnings"]) == len(case["warnings"])
    names = {i["id"]: i["name"] for i in _indicators()}
    for indicator in case["warnings"]:
        assert any(names[indicator] in w or indicator in w for w in row["warnings"]), indicator


def _indicators():
    import yaml

    return yaml.safe_load(EXAMPLE.read_text("utf-8"))["indicators"]


def test_every_subject_has_a_row_for_every_period(example_results):
    periods = example_results["periods"]
    assert periods == ["2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4"]
    keys = {(r["subject"], r["period"]) for r in example_results["results"]}
    assert len(keys) == len(example_results["results"]) == 12 * 4


def test_two_runs_give_byte_identical_json():
    first = invoke("run", "--ruleset", EXAMPLE, "-o", "json:-")
    second = invoke("run", "--ruleset", EXAMPLE, "-o", "json:-")
    assert first.exit_code == second.exit_code == 0
    assert first.stdout_bytes == second.stdout_bytes


def test_period_option_selects_periods():
    results = run_json(EXAMPLE, "--period", "2025-Q2")
    assert results["periods"] == ["2025-Q2"]
    assert {r["period"] for r in results["results"]} == {"2025-Q2"}


def test_an_unknown_period_is_refused_with_a_suggestion():
    result = invoke("run", "--ruleset", EXAMPLE, "--period", "2025-Q5", "-o", "json:-")
    assert result.exit_code == 1
    assert "there is no period '2025-Q5'" in result.stderr
    assert "2025-Q1" in result.stderr


def test_console_output_prints_the_scorecards():
    result = invoke("run", "--ruleset", EXAMPLE, "--period", "2025-Q1")
    assert result.exit_code == 0
    assert "张三" in result.stdout and "85.5" in result.stdout


def test_explain_shows_records_target_split_formula_and_grade_band():
    result = invoke("explain", "--ruleset", EXAMPLE, "--subject", "R001", "--period", "2025-Q1")
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert "from 2 records: sum of amount in source 'deals' where stage == 'won'" in text
    assert "amount=380000" in text and "amount=520000" in text
    assert "target      1000000 — 2025 target 4000000 × 1/4" in text
    assert "weight × attainment = 40 × 0.9 = 36" in text
    assert "weight × attainment = 20 × 0.8, at most weight × cap = 20 × 1.2 = 16" in text
    assert "won_deals / opportunities" in text and "opportunities = 25" in text
    assert "level(良好) / level(优秀)" in text
    assert "total  85.5 = 36 + 25.5 + 16 + 8" in text
    assert "grade  A 优秀: 85.5 ≥ 85" in text
    assert "next band S at 95: 9.5 more points" in text


def test_explain_an_unknown_subject_suggests_the_closest():
    result = invoke("explain", "--ruleset", EXAMPLE, "--subject", "R0001", "--period", "2025-Q1")
    assert result.exit_code == 1
    assert "there is no subject 'R0001'" in result.stderr

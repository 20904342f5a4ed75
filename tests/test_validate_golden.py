"""Golden rulesets with planted mistakes: `kpiengine validate` reports each one, in one pass."""

import re

import pytest
from kpitest import EXAMPLE, ROOT, invoke

GOLDEN = sorted((ROOT / "tests" / "golden" / "invalid").glob("*.yaml"))


@pytest.mark.parametrize("ruleset", GOLDEN, ids=lambda p: p.stem)
def test_validate_reports_every_planted_mistake(ruleset, monkeypatch):
    monkeypatch.chdir(ROOT)
    relative = ruleset.relative_to(ROOT)
    result = invoke("validate", relative)
    expected = ruleset.with_suffix(".expected").read_text("utf-8")
    assert result.exit_code == 1
    assert result.stderr == expected


def test_planted_mistakes_each_name_file_line_and_column(monkeypatch):
    monkeypatch.chdir(ROOT)
    result = invoke("validate", "tests/golden/invalid/planted-mistakes.yaml")
    lines = result.stderr.splitlines()
    prefix = "tests/golden/invalid/planted-mistakes.yaml:"
    assert [line.split(": ")[0].removeprefix(prefix) for line in lines] == [
        "16:5",
        "17:22",
        "21:13",
        "22:48",
    ]
    assert "did you mean 'weight'" in lines[0]
    assert "unknown source 'deal' — did you mean 'deals'" in lines[1]
    assert "expected a number" in lines[2]
    assert "not a valid expression" in lines[3]


def test_every_shipped_ruleset_validates(monkeypatch):
    monkeypatch.setenv("KPIENGINE_ALLOW_ENV", "JDY_*,SF_*,HUBSPOT_TOKEN,ZOHO_*")
    rulesets = sorted((ROOT / "rulesets").rglob("*.yaml"))
    assert EXAMPLE in rulesets
    result = invoke("validate", *rulesets)
    assert result.exit_code == 0, result.stderr


def test_weights_not_adding_up_to_100_are_an_error_unless_the_ruleset_says_free(tmp_path):
    text = EXAMPLE.read_text("utf-8").replace("weight: 40", "weight: 45")
    ruleset = tmp_path / "plan.yaml"
    ruleset.write_text(text.replace("../examples", str(ROOT / "examples")), "utf-8")
    result = invoke("validate", ruleset)
    assert result.exit_code == 1
    assert "indicators: the weights add up to 105, not 100 [weights-not-100]" in result.stderr
    ruleset.write_text(
        ruleset.read_text("utf-8").replace("currency: CNY\n", "currency: CNY\nweights: free\n")
    )
    assert invoke("validate", ruleset).exit_code == 0


def test_validate_reports_all_files_and_fails_if_any_fails(monkeypatch):
    monkeypatch.chdir(ROOT)
    result = invoke("validate", "rulesets/2025.yaml", "tests/golden/invalid/bad-names.yaml")
    assert result.exit_code == 1
    assert "rulesets/2025.yaml: ok" in result.stdout
    assert "bad-names.yaml:17:34" in result.stderr


def test_an_unset_environment_variable_is_named_when_the_plan_runs(tmp_path, monkeypatch):
    monkeypatch.delenv("KPI_DEALS_CSV", raising=False)
    monkeypatch.setenv("KPIENGINE_ALLOW_ENV", "KPI_DEALS_CSV")
    data = ROOT / "examples" / "data"
    text = re.sub(r"path: \.\./examples/data/(\w+\.csv)", rf"path: {data}/\1", EXAMPLE.read_text())
    text = text.replace(f"path: {data}/deals.csv", 'path: "${KPI_DEALS_CSV}"')
    ruleset = tmp_path / "plan.yaml"
    ruleset.write_text(text, "utf-8")
    assert invoke("validate", ruleset).exit_code == 0
    result = invoke("run", "--ruleset", ruleset, "-o", "json:-")
    assert result.exit_code == 1
    assert "KPI_DEALS_CSV is not set" in result.stderr
    monkeypatch.setenv("KPI_DEALS_CSV", str(data / "deals.csv"))
    assert invoke("run", "--ruleset", ruleset, "-o", "json:-").exit_code == 0


def test_paths_in_a_ruleset_are_relative_to_the_ruleset_not_the_working_directory(
    tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    result = invoke("run", "--ruleset", EXAMPLE, "--period", "2025-Q1", "-o", "json:-")
    assert result.exit_code == 0, result.stderr


def test_a_connector_may_map_any_vendor_field_when_its_field_list_is_open(tmp_path):
    plan = tmp_path / "plan.yaml"
    plan.write_text(
        """
kpiengine: 1
name: open fields
calendar: {year: 2025, frequency: quarter}
sources:
  reps: {plugin: csv, options: {path: reps.csv}}
  deals:
    plugin: salesforce
    options: {instance_url: "https://example.my.salesforce.com", client_id: abc,
              client_secret: not-a-real-secret}
    fields: {region: Region__c}
subjects: {source: reps, id: rep_id, name: name}
indicators:
  - {id: revenue, name: 销售额, weight: 100, target: 1,
     actual: {source: deals, sum: amount, where: "won and region == 'East'", date: closed_on}}
grades: [{grade: A, min: 0}]
""",
        "utf-8",
    )
    (tmp_path / "reps.csv").write_text("rep_id,name\nR1,甲\n", "utf-8")
    result = invoke("validate", plan)
    assert result.exit_code == 0, result.stderr

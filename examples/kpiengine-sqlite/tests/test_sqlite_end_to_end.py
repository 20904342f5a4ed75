"""A whole plan on a SQLite database: the same results as from CSV, listed, previewed."""

import textwrap

import pytest
from click.testing import CliRunner
from kpiengine.cli.commands import cli
from kpiengine.testing import run_results

from sqlite_sample import make_csv_files, make_database

# kpiengine's own test run collects these tests too; there they skip unless the plugin is installed.
pytest.importorskip(
    "kpiengine_sqlite", reason="install the example: pip install -e examples/kpiengine-sqlite"
)

PLAN = """
kpiengine: 1
name: sqlite plan
calendar: {{year: 2025, frequency: quarter}}
sources:
  reps: {reps}
  deals:
    {deals}
    fields: {{owner: sales_rep}}
subjects: {{source: reps, id: rep_id, name: name, groups: [team]}}
indicators:
  - id: revenue
    name: 销售额
    weight: 100
    target: 1000
    actual: {{source: deals, sum: amount, where: "stage == 'won'", date: closed_on}}
grades:
  - {{grade: A, min: 100}}
  - {{grade: B, min: 0}}
"""
ON_SQLITE = {
    "reps": "{plugin: sqlite, options: {path: crm.db, table: reps}}",
    "deals": "plugin: sqlite\n    options: {path: crm.db, table: deals, date_column: closed_on}",
}
ON_CSV = {
    "reps": "{plugin: csv, options: {path: reps.csv}}",
    "deals": "plugin: csv\n    options: {path: deals.csv}",
}


def write_plan(folder, sources):
    make_database(folder / "crm.db")
    make_csv_files(folder)
    path = folder / "plan.yaml"
    path.write_text(textwrap.dedent(PLAN).format(**sources), "utf-8")
    return path


def revenue(document, subject, period):
    row = next(r for r in document["results"] if (r["subject"], r["period"]) == (subject, period))
    return row["indicators"]["revenue"]["actual"]


def test_a_plan_on_sqlite_counts_the_won_deals_of_each_quarter(tmp_path):
    document = run_results(write_plan(tmp_path, ON_SQLITE))
    assert revenue(document, "R1", "2025-Q1") == 1200.5
    assert revenue(document, "R2", "2025-Q1") == 3000
    assert revenue(document, "R2", "2025-Q2") == 500
    assert revenue(document, "R3", "2025-Q4") == 700.25
    assert revenue(document, "R3", "2025-Q1") == 0


def test_a_plan_on_sqlite_gives_the_results_it_gives_on_the_same_csv(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    on_sqlite = run_results(write_plan(tmp_path / "a", ON_SQLITE))
    on_csv = run_results(write_plan(tmp_path / "b", ON_CSV))
    assert on_sqlite["results"] == on_csv["results"]
    assert len(on_sqlite["results"]) == 3 * 4


def test_kpiengine_plugins_lists_the_sqlite_source():
    result = CliRunner().invoke(cli, ["plugins", "--all"], catch_exceptions=False)
    assert "sqlite  kpiengine-sqlite 0.1.0" in result.output
    assert "  source sqlite (options: path, table, date_column)" in result.output


def test_validate_reports_a_missing_table_at_the_source_options(tmp_path):
    plan = write_plan(tmp_path, ON_SQLITE)
    plan.write_text(plan.read_text("utf-8").replace("table: reps", "table: rep"), "utf-8")
    result = CliRunner().invoke(cli, ["validate", str(plan)], catch_exceptions=False)
    assert result.exit_code == 1
    assert "sources.reps.options: source 'reps': crm.db has no table 'rep'" in result.stderr


def test_preview_shows_the_first_records_under_the_ruleset_names(tmp_path):
    plan = write_plan(tmp_path, ON_SQLITE)
    command = ["preview", "--ruleset", str(plan), "--source", "deals", "--limit", "2"]
    result = CliRunner().invoke(cli, command, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "amount\tclosed_on\towner\tstage",
        "1200.5\t2025-01-15\tR1\twon",
        "800\t2025-02-01\tR1\tlost",
        "5 records from source 'deals' (plugin sqlite); the first 2 shown",
    ]

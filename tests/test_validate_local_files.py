"""`kpiengine validate` checks the local files a plan reads — there, readable, with every column
the plan uses — without reading their records and without fetching network sources."""

import shutil

import duckdb
import pytest
from kpitest import EXAMPLE, ROOT, invoke

from kpiengine.data.local_check import local_file_problems
from kpiengine.plan.load import load_ruleset
from kpiengine.plugins import registry

DATA = ROOT / "examples" / "data"
DEALS_COLUMNS = "deal_id, sales_rep_id, customer, product, amount, stage, created_on, closed_on"


@pytest.fixture
def plan(tmp_path, monkeypatch):
    """The example plan in a folder of its own, reading a copy of the sample data in data/."""
    shutil.copytree(DATA, tmp_path / "data")
    path = tmp_path / "plan.yaml"
    path.write_text(EXAMPLE.read_text("utf-8").replace("../examples/data/", "data/"), "utf-8")
    monkeypatch.chdir(tmp_path)  # messages show paths relative to where the user stands
    monkeypatch.setenv("KPIENGINE_ALLOW_ENV", "KPI_TEST_*")
    return path


def rename_column(csv_file, old, new):
    header, rest = csv_file.read_text("utf-8").split("\n", 1)
    assert old in header.split(",")
    csv_file.write_text(header.replace(old, new) + "\n" + rest, "utf-8")


def from_variable(plan, name, variable):
    text = plan.read_text("utf-8")
    assert f"{{path: data/{name}}}" in text
    plan.write_text(text.replace(f"{{path: data/{name}}}", f'{{path: "${{{variable}}}"}}'))


def test_the_example_plan_is_ok(plan):
    result = invoke("validate", plan.name)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "plan.yaml: ok\n"


def test_a_missing_data_file_fails_validation_naming_the_source_and_the_file(plan):
    (plan.parent / "data" / "reviews.csv").unlink()
    result = invoke("validate", plan.name)
    assert result.exit_code == 1
    assert result.stderr == (
        "plan.yaml:54:14: sources.reviews.options: source 'reviews': cannot find "
        f"data/reviews.csv (looked for {plan.parent.resolve()}/data/reviews.csv)\n"
    )


def test_a_header_that_lacks_a_field_the_plan_reads_fails_validation(plan):
    rename_column(plan.parent / "data" / "deals.csv", "closed_on", "closed_date")
    result = invoke("validate", plan.name)
    assert result.exit_code == 1
    assert "plan.yaml:" in result.stderr
    assert "source 'deals' has no field 'closed_on' — did you mean 'closed_date'?" in result.stderr


# -- files named by environment variables: checked with the variable's value -------------------


def test_a_file_named_by_an_unset_variable_is_left_to_the_run(plan, monkeypatch):
    from_variable(plan, "deals.csv", "KPI_TEST_DEALS")
    monkeypatch.delenv("KPI_TEST_DEALS", raising=False)
    assert invoke("validate", plan.name).exit_code == 0


def test_a_file_named_by_a_variable_is_checked_with_its_value(plan, monkeypatch):
    from_variable(plan, "deals.csv", "KPI_TEST_DEALS")
    monkeypatch.setenv("KPI_TEST_DEALS", "data/deals.csv")
    assert invoke("validate", plan.name).exit_code == 0

    monkeypatch.setenv("KPI_TEST_DEALS", "data/no-deals.csv")
    result = invoke("validate", plan.name)
    assert result.exit_code == 1
    # the variable's value is never printed: the message names the variable instead
    assert result.stderr == (
        "plan.yaml: source 'deals': cannot find ${KPI_TEST_DEALS} "
        f"(looked for {plan.parent.resolve()}/${{KPI_TEST_DEALS}})\n"
    )


def test_a_header_lacking_columns_names_each_with_its_field_and_a_suggestion(plan, monkeypatch):
    deals = plan.parent / "data" / "deals.csv"
    rename_column(deals, "closed_on", "closed_date")
    rename_column(deals, "sales_rep_id", "rep")
    from_variable(plan, "deals.csv", "KPI_TEST_DEALS")
    monkeypatch.setenv("KPI_TEST_DEALS", "data/deals.csv")
    result = invoke("validate", plan.name)
    assert result.exit_code == 1
    columns = DEALS_COLUMNS.replace("closed_on", "closed_date").replace("sales_rep_id", "rep")
    assert result.stderr == (
        "plan.yaml: source 'deals': file ${KPI_TEST_DEALS} lacks columns the plan reads: "
        "'sales_rep_id' (for owner); 'closed_on' — did you mean 'closed_date'? "
        f"(columns: {columns})\n"
    )


def test_a_parquet_file_is_checked_from_its_schema(plan, monkeypatch):
    reviews = plan.parent / "data" / "reviews.parquet"
    duckdb.sql(
        f"COPY (SELECT * RENAME (csat AS satisfaction) FROM read_csv('{DATA / 'reviews.csv'}')) "
        f"TO '{reviews}' (FORMAT parquet)"
    )
    text = plan.read_text("utf-8").replace(
        "plugin: csv\n    options: {path: data/reviews.csv}",
        'plugin: parquet\n    options: {path: "${KPI_TEST_REVIEWS}"}',
    )
    plan.write_text(text, "utf-8")
    monkeypatch.setenv("KPI_TEST_REVIEWS", "data/reviews.parquet")
    ruleset = load_ruleset(plan, registry()).ruleset
    assert local_file_problems(ruleset, registry()) == [
        "source 'reviews': file ${KPI_TEST_REVIEWS} lacks a column the plan reads: 'csat' "
        "(columns: review_id, rep_id, reviewed_on, satisfaction, teamwork)"
    ]
    monkeypatch.setenv("KPI_TEST_REVIEWS", "data/reviews.csv")  # not Parquet
    (problem,) = local_file_problems(ruleset, registry())
    assert problem.startswith("source 'reviews': ") and "is not a readable Parquet file" in problem

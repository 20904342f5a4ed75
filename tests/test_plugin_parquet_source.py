"""The parquet source: the plugin contract, and the same results as the same data from CSV."""

import json
from typing import ClassVar

import duckdb
import pytest
from kpitest import EXAMPLE, ROOT, invoke

from kpiengine.testing import SourceContract
from kpiengine_parquet.source import ParquetSource

DATA = ROOT / "examples" / "data"


def to_parquet(csv_name, target):
    duckdb.sql(
        f"COPY (SELECT * FROM read_csv('{DATA / csv_name}', header=true)) TO '{target}' "
        "(FORMAT parquet)"
    )


class TestParquetSourceKeepsTheContract(SourceContract):
    source_class = ParquetSource
    columns: ClassVar = {"sales_rep_id": "string", "amount": "number", "closed_on": "date"}

    @pytest.fixture
    def options(self, tmp_path):
        to_parquet("deals.csv", tmp_path / "deals.parquet")
        return {"path": "deals.parquet"}

    @pytest.fixture
    def bad_options(self):
        return {"path": "no-such.parquet"}


def test_the_example_gives_the_same_results_from_parquet_as_from_csv(tmp_path):
    text = EXAMPLE.read_text("utf-8")
    for name in ("reps", "deals", "reviews", "targets"):
        to_parquet(f"{name}.csv", tmp_path / f"{name}.parquet")
        text = text.replace(
            f"{{plugin: csv, options: {{path: ../examples/data/{name}.csv}}}}",
            f"{{plugin: parquet, options: {{path: {name}.parquet}}}}",
        ).replace(
            f"plugin: csv\n    options: {{path: ../examples/data/{name}.csv}}",
            f"plugin: parquet\n    options: {{path: {name}.parquet}}",
        )
    assert "plugin: csv" not in text
    plan = tmp_path / "plan.yaml"
    plan.write_text(text, "utf-8")
    from_parquet = json.loads(invoke("run", "--ruleset", plan, "-o", "json:-").stdout)
    from_csv = json.loads(invoke("run", "--ruleset", EXAMPLE, "-o", "json:-").stdout)
    assert from_parquet["results"] == from_csv["results"]
    assert from_parquet["groups"] == from_csv["groups"]


def test_a_missing_column_names_the_file_and_the_columns(tmp_path):
    to_parquet("reps.csv", tmp_path / "reps.parquet")
    source = ParquetSource("reps", {"path": "reps.parquet"}, tmp_path)
    from kpiengine import FetchRequest, SourceError

    with pytest.raises(SourceError, match=r"has no column 'nmae' \(columns: rep_id, name"):
        source.fetch(FetchRequest("reps", {"nmae": "string"}))


def test_fields_come_from_the_footer_and_a_missing_file_is_an_error_naming_it(tmp_path):
    from kpiengine import SourceError

    to_parquet("reps.csv", tmp_path / "reps.parquet")
    fields = ParquetSource("reps", {"path": "reps.parquet"}, tmp_path).fields()
    assert list(fields) == ["rep_id", "name", "team", "region", "hired_on"]
    with pytest.raises(SourceError) as caught:
        ParquetSource("reps", {"path": "nope/reps.parquet"}, tmp_path).fields()
    assert str(caught.value) == (
        f"source 'reps': cannot find nope/reps.parquet (looked for {tmp_path.resolve()}"
        "/nope/reps.parquet)"
    )

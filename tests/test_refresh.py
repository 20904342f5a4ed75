"""Incremental refresh through the cache: a re-run fetches only what changed and merges by id."""

import types
from datetime import datetime
from decimal import Decimal
from typing import ClassVar

import pyarrow as pa
import pytest
from kpitest import run_json

from kpiengine import Source, hookimpl
from kpiengine.plugins import default_manager
from kpiengine.source import Changes

STATE = {}


class ChangingSource(Source):
    name = "changing"
    options_schema: ClassVar[dict] = {"type": "object", "properties": {"kind": {"type": "string"}}}
    id_column = "id"

    def fields(self):
        return None

    def fetch(self, request):
        STATE["full"] += 1
        return STATE["table"]

    def fetch_changes(self, request, since):
        STATE["since"].append(since)
        return STATE["changes"]


PLAN = """
kpiengine: 1
name: refresh
calendar: {year: 2025, frequency: year}
sources:
  reps: {plugin: changing, options: {kind: reps}}
subjects: {source: reps, id: id, name: id}
indicators:
  - {id: revenue, name: revenue, weight: 100, target: 100,
     actual: {source: reps, sum: amount, date: day}}
grades: [{grade: A, min: 0}]
"""


@pytest.fixture
def changing(tmp_path, monkeypatch):
    module = types.ModuleType("changing_plugin")
    module.register_sources = hookimpl(lambda register: register(ChangingSource))
    pm = default_manager()
    pm.register(module, name="changing_plugin")
    monkeypatch.setenv("KPIENGINE_CACHE_DIR", str(tmp_path / "cache"))
    day = pa.array([datetime(2025, 3, 1).date()] * 3)
    STATE.update(
        full=0,
        since=[],
        changes=None,
        table=pa.table(
            {
                "id": ["a", "b", "c"],
                "owner": ["a", "b", "c"],
                "amount": [Decimal(10), Decimal(20), Decimal(30)],
                "day": day,
            }
        ),
    )
    (tmp_path / "plan.yaml").write_text(PLAN, "utf-8")
    yield tmp_path / "plan.yaml"
    pm.unregister(name="changing_plugin")


def actuals(results):
    return {r["subject"]: r["indicators"]["revenue"]["actual"] for r in results["results"]}


def test_a_rerun_merges_changes_instead_of_fetching_everything(changing):
    assert actuals(run_json(changing)) == {"a": 10, "b": 20, "c": 30}
    day = pa.array([datetime(2025, 4, 1).date()])
    STATE["changes"] = Changes(
        pa.table({"id": ["b"], "owner": ["b"], "amount": [Decimal(25)], "day": day}),
        deleted=frozenset({"c"}),
    )
    assert actuals(run_json(changing)) == {"a": 10, "b": 25}  # c was deleted
    assert STATE["full"] == 1
    assert len(STATE["since"]) == 1


def test_refresh_fetches_everything_again(changing):
    run_json(changing)
    run_json(changing, "--refresh")
    assert STATE["full"] == 2
    assert STATE["since"] == []


def test_a_source_that_cannot_tell_what_changed_keeps_the_cached_records(changing):
    run_json(changing)
    STATE["table"] = STATE["table"].slice(0, 1)
    assert actuals(run_json(changing)) == {"a": 10, "b": 20, "c": 30}
    assert STATE["full"] == 1 and len(STATE["since"]) == 1

"""The source cache: reused on the next run, --refresh, keys, atomic entries, no secrets."""

import json
import textwrap
import types
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import ClassVar

import pyarrow as pa
import pyarrow.parquet
import pytest
from kpitest import invoke

from kpiengine import FetchRequest, Source, SourceError, hookimpl
from kpiengine.data.cache import (
    CACHE_DIR_ENV,
    Fetched,
    SourceCache,
    active_cache,
    cache_key,
)
from kpiengine.data.cache_policy import CachePolicy, caching
from kpiengine.evaluate.engine import evaluate
from kpiengine.plan.load import load_ruleset
from kpiengine.plugins import default_manager, registry

SECRET = "sk-live-9f8e7d6c5b4a"
TABLES: dict = {}
CALLS: list[str] = []
FAILING: set[str] = set()


class CountingSource(Source):
    """Serves TABLES and counts each fetch — a network source as a test would write one."""

    name = "counting"
    options_schema: ClassVar[dict] = {
        "type": "object",
        "properties": {
            "table": {"type": "string"},
            "api_key": {"type": "string", "writeOnly": True},
        },
        "required": ["table"],
        "additionalProperties": False,
    }

    def fields(self):
        return {c: "string" for c in TABLES[self.options["table"]].column_names}

    def fetch(self, request):
        table = self.options["table"]
        CALLS.append(table)
        if table in FAILING:
            raise SourceError(f"source '{self.source_id}': the server is down")
        self.notes = [f"source '{self.source_id}': {TABLES[table].num_rows} records fetched"]
        return TABLES[table]


@pytest.fixture
def counting_plugin(monkeypatch):
    monkeypatch.setenv("KPI_TEST_SECRET", SECRET)
    monkeypatch.setenv("KPIENGINE_ALLOW_ENV", "KPI_TEST_SECRET")
    monkeypatch.delenv(CACHE_DIR_ENV, raising=False)
    module = types.ModuleType("counting_test_plugin")
    module.register_sources = hookimpl(lambda register: register(CountingSource))
    pm = default_manager()
    pm.register(module, name="counting_test_plugin")
    TABLES["reps"] = pa.table({"id": ["A", "B"], "name": ["甲", "乙"]})
    set_deals("100")
    yield
    pm.unregister(name="counting_test_plugin")
    TABLES.clear()
    CALLS.clear()
    FAILING.clear()


def set_deals(amount):
    TABLES["deals"] = pa.table(
        {
            "owner": ["A", "B"],
            "amount": [Decimal(amount), Decimal(7)],
            "day": [date(2025, 1, 10), date(2025, 5, 1)],
        }
    )


PLAN = """
kpiengine: 1
name: cache plan
calendar: {year: 2025, frequency: quarter}
sources:
  reps: {plugin: counting, options: {table: reps}}
  deals: {plugin: counting, options: {table: deals, api_key: "${KPI_TEST_SECRET}"}}
subjects: {source: reps, id: id, name: name}
indicators:
  - {id: revenue, name: 销售额, weight: 100, target: 100,
     actual: {source: deals, sum: amount, date: day}}
grades:
  - {grade: A, min: 90}
  - {grade: B, min: 0}
"""


@pytest.fixture
def plan(tmp_path, counting_plugin):
    path = tmp_path / "plan.yaml"
    path.write_text(textwrap.dedent(PLAN), "utf-8")
    return path


def run(plan, *extra):
    result = invoke("run", "--ruleset", plan, "-o", "json:-", *extra)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout), result.stderr


def revenue_of_a_in_q1(document):
    row = next(r for r in document["results"] if (r["subject"], r["period"]) == ("A", "2025-Q1"))
    return row["indicators"]["revenue"]["actual"]


def entries(folder):
    return sorted(p.name for p in Path(folder).glob("*.parquet"))


def test_a_second_run_reads_the_cache_instead_of_fetching_again(plan):
    first, _ = run(plan)
    second, notes = run(plan)
    assert sorted(CALLS) == ["deals", "reps"]
    assert second["results"] == first["results"]
    assert "source 'deals': records fetched " in notes and "read from the cache" in notes


def test_the_notes_of_the_fetch_are_shown_again_from_the_cache(plan):
    run(plan)
    _, notes = run(plan)
    assert "source 'deals': 2 records fetched" in notes


def test_refresh_fetches_again_and_replaces_the_entry(plan):
    run(plan)
    set_deals("55")
    assert revenue_of_a_in_q1(run(plan)[0]) == 100
    assert revenue_of_a_in_q1(run(plan, "--refresh")[0]) == 55
    assert revenue_of_a_in_q1(run(plan)[0]) == 55
    assert CALLS.count("deals") == 2


def test_explain_takes_refresh_too(plan):
    run(plan)
    result = invoke("explain", "--ruleset", plan, "--subject", "A", "--refresh")
    assert result.exit_code == 0, result.output
    assert CALLS.count("deals") == 2


def test_no_cache_neither_reads_nor_writes(plan):
    run(plan, "--no-cache")
    run(plan, "--no-cache")
    assert CALLS.count("deals") == 2
    assert not (plan.parent / ".kpiengine-cache").exists()


def test_one_period_reuses_the_entry_of_the_whole_year(plan):
    run(plan)
    run(plan, "--period", "2025-Q1")
    assert CALLS.count("deals") == 1


def test_the_cache_is_beside_the_ruleset_and_kept_out_of_git(plan):
    run(plan)
    folder = plan.parent / ".kpiengine-cache"
    assert [n.split("-")[0] for n in entries(folder)] == ["deals", "reps"]
    assert (folder / ".gitignore").read_text("utf-8").splitlines()[-1] == "*"


def test_kpiengine_cache_dir_moves_the_cache(plan, tmp_path, monkeypatch):
    elsewhere = tmp_path / "elsewhere"
    monkeypatch.setenv(CACHE_DIR_ENV, str(elsewhere))
    run(plan)
    assert len(entries(elsewhere)) == 2
    assert not (plan.parent / ".kpiengine-cache").exists()


def test_local_file_sources_are_not_cached(plan):
    (plan.parent / "reps.csv").write_text("id,name\nA,甲\nB,乙\n", "utf-8")
    plan.write_text(
        plan.read_text("utf-8").replace(
            "{plugin: counting, options: {table: reps}}", "{plugin: csv, options: {path: reps.csv}}"
        ),
        "utf-8",
    )
    run(plan)
    assert [n.split("-")[0] for n in entries(plan.parent / ".kpiengine-cache")] == ["deals"]


def test_secrets_and_option_values_are_in_no_cache_file_or_name(plan):
    run(plan)
    folder = plan.parent / ".kpiengine-cache"
    files = list(folder.iterdir())
    assert files
    for path in files:
        assert SECRET not in path.name
        content = path.read_bytes()
        for text in (SECRET, SECRET[3:12], "api_key", "KPI_TEST_SECRET"):
            assert text.encode() not in content, (path.name, text)


def test_a_failed_fetch_leaves_the_previous_entry_and_the_run_stops(plan):
    run(plan)
    folder = plan.parent / ".kpiengine-cache"
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    FAILING.add("deals")
    result = invoke("run", "--ruleset", plan, "-o", "json:-", "--refresh")
    assert result.exit_code == 1
    assert "source 'deals': the server is down" in result.stderr
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    FAILING.clear()
    assert revenue_of_a_in_q1(run(plan)[0]) == 100


def test_a_damaged_entry_is_fetched_again(plan):
    run(plan)
    folder = plan.parent / ".kpiengine-cache"
    for path in folder.glob("deals-*.parquet"):
        path.write_bytes(path.read_bytes()[:50])
    assert revenue_of_a_in_q1(run(plan)[0]) == 100
    assert CALLS.count("deals") == 2


def deals_entry(plan):
    [entry] = (plan.parent / ".kpiengine-cache").glob("deals-*.parquet")
    return entry


def test_edited_cache_entry_is_refetched_with_a_warning(plan):
    run(plan)
    entry = deals_entry(plan)
    table = pyarrow.parquet.read_table(entry)
    amounts = [a * 1000 for a in table.column("amount").to_pylist()]
    edited = table.set_column(1, "amount", pa.array(amounts, pa.decimal128(38, 6)))
    pyarrow.parquet.write_table(edited, entry)  # amounts × 1000, by hand
    document, notes = run(plan)
    assert revenue_of_a_in_q1(document) == 100
    assert CALLS.count("deals") == 2
    warnings = [c for c in document["checks"] if c["severity"] == "warning"]
    [warning] = [c for c in warnings if c["code"] == "source-fetch"]
    assert warning["source"] == "deals"
    assert warning["message"] == (
        f"source 'deals': its cache entry {entry.name} could not be used (its records were "
        "changed after they were fetched); its records were fetched again"
    )
    assert "warning [source-fetch]" in notes
    assert revenue_of_a_in_q1(run(plan)[0]) == 100
    assert CALLS.count("deals") == 2  # the entry fetched again was kept


@pytest.mark.parametrize(
    ("description", "why"),
    [
        ("{not json", "its description is not valid JSON"),
        ("[1, 2]", "its description is not one this version writes"),
        ('{"format": 2, "notes": "x", "sha256": "0"}', "its description's notes are not a list"),
        ('{"format": 2, "notes": []}', "its description has no SHA-256 of its records"),
        (None, "its description cannot be read"),
    ],
    ids=["not-json", "not-a-mapping", "notes", "no-hash", "missing"],
)
def test_bad_cache_metadata_is_refetched_with_a_warning(plan, description, why):
    run(plan)
    meta = deals_entry(plan).with_suffix(".json")
    if description is None:
        meta.unlink()
    else:
        meta.write_text(description, "utf-8")
    result = invoke("run", "--ruleset", plan, "-o", "json:-")
    assert result.exit_code == 0, result.output
    assert why in result.stderr and "its records were fetched again" in result.stderr
    assert CALLS.count("deals") == 2
    assert revenue_of_a_in_q1(run(plan)[0]) == 100
    assert CALLS.count("deals") == 2


def test_a_bad_watermark_in_the_description_is_a_warning_not_a_traceback(plan):
    run(plan)
    meta = deals_entry(plan).with_suffix(".json")
    meta.write_text(json.dumps({**json.loads(meta.read_text("utf-8")), "watermark": "soon"}))
    result = invoke("run", "--ruleset", plan, "-o", "json:-")
    assert result.exit_code == 0, result.output
    assert "its description's watermark is not a time" in result.stderr


def test_runs_through_the_library_use_the_cache_only_when_asked(plan):
    loaded = load_ruleset(plan, registry())
    evaluate(loaded.ruleset, registry())
    assert not (plan.parent / ".kpiengine-cache").exists()
    with caching(CachePolicy()):
        evaluate(loaded.ruleset, registry())
        evaluate(loaded.ruleset, registry())
    assert CALLS.count("deals") == 2


# -- the key ----------------------------------------------------------------------------------

REQUEST = FetchRequest(
    "deals", {"owner": "string", "amount": "number"}, frozenset(), date(2025, 1, 1),
    date(2026, 1, 1), Path("/plans"),
)  # fmt: skip
KEY_PARTS = {"plugin": "crm", "options": {"api_key": SECRET}, "fields": {"owner": "rep"}}


def key_with(**changes):
    parts = {**KEY_PARTS, "request": REQUEST, **changes}
    return cache_key(parts["plugin"], parts["options"], parts["fields"], parts["request"])


@pytest.mark.parametrize(
    "change",
    [
        {"plugin": "other"},
        {"options": {"api_key": SECRET + "x"}},
        {"options": {"api_key": SECRET, "app": "1"}},
        {"fields": {"owner": "sales_rep"}},
        {"request": FetchRequest("deals", {"owner": "string"}, frozenset(), REQUEST.start,
                                 REQUEST.end, REQUEST.base_dir)},
        {"request": FetchRequest("deals", {"owner": "string", "amount": "integer"}, frozenset(),
                                 REQUEST.start, REQUEST.end, REQUEST.base_dir)},
        {"request": FetchRequest("deals", REQUEST.columns, frozenset(), date(2024, 1, 1),
                                 REQUEST.end, REQUEST.base_dir)},
        {"request": FetchRequest("won", REQUEST.columns, frozenset(), REQUEST.start,
                                 REQUEST.end, REQUEST.base_dir)},
        {"request": FetchRequest("deals", REQUEST.columns, frozenset(), REQUEST.start,
                                 REQUEST.end, Path("/other"))},
    ],
    ids=["plugin", "option", "added-option", "fields", "columns", "type", "period", "id", "dir"],
)  # fmt: skip
def test_anything_that_shapes_the_records_changes_the_key(change):
    assert key_with(**change) != key_with()


def test_the_same_configuration_gives_the_same_key_and_hides_the_secret():
    assert key_with() == key_with(options={"api_key": SECRET})
    assert SECRET not in key_with() and len(key_with()) == 64


# -- atomic entries ---------------------------------------------------------------------------


def fetched(amount):
    return Fetched(pa.table({"owner": ["A"], "amount": [Decimal(amount)]}), ("a note",))


def test_a_failure_while_writing_leaves_the_previous_entry(tmp_path, monkeypatch):
    cache = SourceCache(tmp_path, refresh=True)
    key = key_with()
    cache.through(key, REQUEST, lambda: fetched("1"))
    entry = cache.entry("deals", key)
    before = entry.read_bytes()

    def half_written(table, handle):
        handle.write(b"PAR1 partial")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pyarrow.parquet, "write_table", half_written)
    result = cache.through(key, REQUEST, lambda: fetched("2"))
    assert result.table.column("amount").to_pylist() == [Decimal(2)]
    assert result.info[-1].startswith("source 'deals': its records could not be kept in the cache")
    assert entry.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        ".gitignore",
        entry.with_suffix(".json").name,
        entry.name,
    ]


def test_an_entry_is_read_back_with_its_types_and_notes(tmp_path):
    cache = SourceCache(tmp_path)
    key = key_with()
    cache.through(key, REQUEST, lambda: fetched("12.5"))
    again = cache.through(key, REQUEST, lambda: pytest.fail("fetched although cached"))
    assert again.table.to_pylist() == [{"owner": "A", "amount": Decimal("12.5")}]
    assert again.table.schema.metadata is None
    assert again.notes == ("a note",)
    assert "read from the cache" in again.info[0]


def test_only_the_requested_columns_are_kept(tmp_path):
    cache = SourceCache(tmp_path)
    wide = Fetched(pa.table({"owner": ["A"], "amount": [1], "phone": ["138..."]}))
    cache.through(key_with(), REQUEST, lambda: wide)
    again = cache.through(key_with(), REQUEST, lambda: pytest.fail("fetched although cached"))
    assert again.table.column_names == ["owner", "amount"]


def test_no_policy_means_no_cache_and_a_disabled_policy_too(tmp_path):
    assert active_cache(tmp_path) is None
    with caching(CachePolicy(enabled=False)):
        assert active_cache(tmp_path) is None
    with caching(CachePolicy(refresh=True)):
        assert active_cache(tmp_path) == SourceCache(tmp_path / ".kpiengine-cache", refresh=True)


def test_preview_fetches_from_the_source_even_when_a_run_left_an_entry(plan):
    run(plan)
    result = invoke("preview", "--ruleset", plan, "--source", "deals")
    assert result.exit_code == 0, result.output
    assert CALLS.count("deals") == 2

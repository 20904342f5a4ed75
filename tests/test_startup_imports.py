"""Start-up: the commands that only read a ruleset or list plugins import no DuckDB, pyarrow or
httpx, and no plugin's implementation — checked by the modules a fresh process ends up with,
not by a time. Plugins registered `Deferred` are imported the first time a run uses them."""

from __future__ import annotations

import json
import subprocess
import sys
import types
from pathlib import Path

import pytest

from kpiengine import Deferred, Output, Source, hookimpl
from kpiengine.errors import PluginError
from kpiengine.plugins import collect, new_manager

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("duckdb", "pyarrow", "httpx", "numpy", "pandas", "rich")
BUILTINS = ("csv", "json", "console", "parquet", "jiandaoyun", "hubspot", "salesforce", "zoho")
IMPLEMENTATIONS = tuple(
    f"kpiengine_{p}.{part}" for p in (*BUILTINS, "sqlite") for part in ("source", "output")
)
ENGINE = ("kpiengine.evaluate", "kpiengine.data.store", "kpiengine.results.table")

PROBE = """
import json, sys
from kpiengine.cli import main
sys.argv = ["kpiengine", *sys.argv[1:]]
try:
    main()
except SystemExit as exit:
    code = exit.code
print(json.dumps(sorted(sys.modules)), file=sys.stderr)
"""


def imported(*command: str) -> set[str]:
    """The modules a fresh `kpiengine COMMAND` process has imported when it ends."""
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *command],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    return set(json.loads(done.stderr.strip().splitlines()[-1]))


def found(modules: set[str], names: tuple[str, ...]) -> list[str]:
    """The modules that are one of `names` or inside one."""
    return sorted(m for m in modules if m in names or m.startswith(tuple(n + "." for n in names)))


@pytest.mark.parametrize("command", [["--help"], ["plugins"], ["plugins", "--all"], ["schema"]])
def test_commands_that_read_no_data_import_nothing_heavy(command):
    modules = imported(*command)
    assert "kpiengine_csv" in modules  # the plugins did load and register
    assert found(modules, HEAVY) == []
    assert found(modules, IMPLEMENTATIONS) == []
    assert found(modules, ENGINE) == []


def test_validate_imports_only_the_sources_its_ruleset_names():
    """rulesets/2025.yaml reads CSV files: the csv source is imported to read their headers, and
    the targets file is read through the engine's store (DuckDB) for duplicate rows; no
    connector, no output and no HTTP client is imported."""
    modules = imported("validate", "rulesets/2025.yaml")
    assert "kpiengine_csv.source" in modules
    assert found(modules, ("httpx", "rich")) == []
    assert found(modules, tuple(i for i in IMPLEMENTATIONS if i != "kpiengine_csv.source")) == []


# -- Deferred ---------------------------------------------------------------------------------


class LateSource(Source):
    name = "late"
    options_schema = {"type": "object"}  # noqa: RUF012 - a plugin's class attribute


def registered(deferred):
    module = types.ModuleType("late_plugin")
    module.register_sources = hookimpl(lambda register: register(deferred))  # type: ignore[attr-defined]
    pm = new_manager()
    pm.register(module, name="late")
    return collect(pm)


def test_a_deferred_source_is_imported_when_a_run_asks_for_it():
    where = f"{__name__}:LateSource"
    found_ = registered(Deferred(where, name="late", options_schema=LateSource.options_schema))
    entry, plugin = found_.sources["late"]
    assert isinstance(entry, Deferred) and plugin == "late"
    assert entry.options_schema == {"type": "object"}
    assert found_.source("late") is LateSource
    assert found_.sources["late"][0] is LateSource  # loaded once, then kept


def test_a_deferred_class_that_says_something_else_is_refused_naming_the_plugin():
    where = f"{__name__}:LateSource"
    found_ = registered(Deferred(where, name="late", options_schema={"type": "string"}))
    with pytest.raises(PluginError, match=r"plugin 'late' registered 'late' at .*another name"):
        found_.source("late")


def test_a_deferred_class_that_cannot_be_imported_is_refused_naming_the_plugin():
    found_ = registered(Deferred("no_such_module_x:Nope", name="late", options_schema={}))
    with pytest.raises(PluginError, match=r"plugin 'late' .* failed to load: No module named"):
        found_.source("late")


def test_a_deferred_output_keeps_its_target_option_for_the_command_line():
    class LateOutput(Output):
        name = "late"
        target_option = "path"

    deferred = Deferred("x:LateOutput", name="late", options_schema={}, target_option="path")
    assert deferred.target_option == LateOutput.target_option

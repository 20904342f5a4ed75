"""The command line: help everywhere, exit codes, plugins and schema commands."""

import json

import pytest
from kpitest import EXAMPLE, ROOT, invoke

from kpiengine.cli.commands import cli

COMMANDS = sorted(cli.commands)


def test_the_documented_commands_exist():
    assert {"run", "validate", "explain", "plugins", "schema"} <= set(COMMANDS)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_an_example(command):
    result = invoke(command, "--help")
    assert result.exit_code == 0
    assert "Example:" in result.stdout
    assert cli.commands[command].help


def test_a_usage_mistake_exits_2():
    assert invoke("run").exit_code == 2
    assert invoke("run", "--ruleset", EXAMPLE, "-o", "jsn:-").exit_code == 2
    assert invoke("frobnicate").exit_code == 2


def test_an_unknown_output_plugin_suggests_the_closest():
    result = invoke("run", "--ruleset", EXAMPLE, "-o", "jsn:-")
    assert "there is no output plugin 'jsn' — did you mean 'json'?" in result.stderr


def test_an_output_needing_a_target_says_how_to_give_one():
    result = invoke("run", "--ruleset", EXAMPLE, "-o", "csv")
    assert result.exit_code == 1
    assert "-o csv:TARGET" in result.stderr


def test_run_writes_csv_and_json_files_with_o(tmp_path):
    out_csv, out_json = tmp_path / "r.csv", tmp_path / "r.json"
    result = invoke("run", "--ruleset", EXAMPLE, "-o", f"csv:{out_csv}", "-o", f"json:{out_json}")
    assert result.exit_code == 0, result.output
    assert json.loads(out_json.read_text("utf-8"))["periods"][0] == "2025-Q1"
    assert "张三" in out_csv.read_text("utf-8-sig")


def test_a_failed_run_writes_nothing(tmp_path):
    out = tmp_path / "r.json"
    out.write_text("previous results", "utf-8")
    broken = tmp_path / "plan.yaml"
    text = EXAMPLE.read_text("utf-8").replace(
        "../examples/data/deals.csv", str(tmp_path / "gone.csv")
    )
    broken.write_text(text.replace("../examples", str(ROOT / "examples")), "utf-8")
    result = invoke("run", "--ruleset", broken, "-o", f"json:{out}")
    assert result.exit_code == 1
    assert "source 'deals'" in result.stderr and "Traceback" not in result.output
    assert out.read_text("utf-8") == "previous results"
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".kpiengine-tmp")]


def test_plugins_lists_builtins_with_versions_and_what_they_register():
    result = invoke("plugins", "--all")
    assert result.exit_code == 0
    text = result.stdout
    assert "csv  kpiengine 0.1.0" in text
    assert "source csv (options: " in text and "output json (options: " in text


def test_schema_prints_the_plugin_options_too():
    schema = json.loads(invoke("schema").stdout)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert "path" in json.dumps(schema)


SHIPPED = "console,csv,hubspot,jiandaoyun,json,parquet,salesforce,zoho"
"""The plugins this distribution ships (not the example third-party one)."""


def test_the_shipped_plugins_are_the_distributions_entry_points():
    import tomllib

    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    assert sorted(pyproject["project"]["entry-points"]["kpiengine"]) == SHIPPED.split(",")


def test_the_shipped_schema_file_is_not_stale(monkeypatch):
    monkeypatch.setenv("KPIENGINE_LOAD_PLUGINS", SHIPPED)
    from kpiengine.plan.load import schema_for
    from kpiengine.plugins import collect, load_entry_points, new_manager

    pm = new_manager()
    load_entry_points(pm)
    shipped = json.loads((ROOT / "schemas" / "ruleset.schema.json").read_text("utf-8"))
    assert shipped == schema_for(collect(pm)), (
        f"regenerate: KPIENGINE_LOAD_PLUGINS={SHIPPED} kpiengine schema "
        "> schemas/ruleset.schema.json"
    )


def test_validate_a_missing_file_is_a_usage_error():
    assert invoke("validate", "no/such/file.yaml").exit_code == 2

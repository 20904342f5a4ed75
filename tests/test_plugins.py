"""The plugin manager: hooks, registration, clashes, and which plugins load."""

import ast
import importlib.metadata
import inspect
import re
import sys
import types
from pathlib import Path

import click
import pytest

import kpiengine.plugins
from kpiengine import PLUGIN_API, Output, Source, hookimpl, hookspecs
from kpiengine.errors import PluginError
from kpiengine.plugins import check, collect, load_entry_points, new_manager

ROOT = Path(__file__).resolve().parent.parent
PUBLIC_MODULES = {"kpiengine", "kpiengine.connectors", "kpiengine.testing"}
HOOKS = sorted(
    name
    for name, fn in inspect.getmembers(hookspecs, inspect.isfunction)
    if name.startswith("register_")
)


def plugin_module(name, **hooks):
    module = types.ModuleType(name)
    for hook_name, fn in hooks.items():
        setattr(module, hook_name, hookimpl(fn))
    return module


class DemoSource(Source):
    name = "demo"


class DemoOutput(Output):
    name = "demo"


def test_hook_register_sources():
    pm = new_manager()
    pm.register(
        plugin_module("demo_plugin", register_sources=lambda register: register(DemoSource))
    )
    reg = collect(pm)
    assert reg.sources["demo"] == (DemoSource, "demo_plugin")


def test_hook_register_outputs():
    pm = new_manager()
    pm.register(
        plugin_module("demo_plugin", register_outputs=lambda register: register(DemoOutput))
    )
    assert collect(pm).outputs["demo"] == (DemoOutput, "demo_plugin")


def test_hook_register_functions():
    def register_functions(register):
        register("double", lambda x: x * 2, sql="({0} * 2)")

    pm = new_manager()
    pm.register(plugin_module("demo_plugin", register_functions=register_functions))
    fn = collect(pm).functions["double"]
    assert (fn.fn(21), fn.sql, fn.plugin) == (42, "({0} * 2)", "demo_plugin")


def test_hook_register_commands():
    @click.command()
    def hello():
        """Say hello."""

    pm = new_manager()
    pm.register(plugin_module("demo_plugin", register_commands=lambda cli: cli.add_command(hello)))
    group = click.Group("kpiengine")
    pm.hook.register_commands(cli=group)
    assert "hello" in group.commands


def test_two_plugins_registering_one_source_name_is_an_error_naming_both():
    pm = new_manager()
    pm.register(plugin_module("first", register_sources=lambda register: register(DemoSource)))
    pm.register(plugin_module("second", register_sources=lambda register: register(DemoSource)))
    with pytest.raises(
        PluginError, match="source 'demo' is registered by two plugins: 'first' and 'second'"
    ):
        collect(pm)


def test_a_misspelt_hook_fails_loudly():
    pm = new_manager()
    pm.register(plugin_module("typo", register_source=lambda register: None))
    with pytest.raises(PluginError, match=r"typo.*register_source"):
        check(pm)


def test_builtins_load_through_entry_points_like_any_plugin():
    pm = new_manager()
    load_entry_points(pm)
    reg = collect(pm)
    assert reg.sources["csv"][1] == "csv"
    assert {reg.outputs[n][1] for n in ("console", "csv", "json")} == {"console", "csv", "json"}


def test_load_plugins_variable_chooses_what_loads(monkeypatch):
    monkeypatch.setenv("KPIENGINE_LOAD_PLUGINS", "json")
    pm = new_manager()
    load_entry_points(pm)
    assert [name for name, _ in pm.list_name_plugin()] == ["json"]
    monkeypatch.setenv("KPIENGINE_LOAD_PLUGINS", "")
    pm = new_manager()
    load_entry_points(pm)
    assert pm.list_name_plugin() == []


def test_every_hook_has_a_test_named_after_it():
    tree = ast.parse(Path(__file__).read_text(encoding="utf-8"))
    tests = {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}
    assert [h for h in HOOKS if f"test_hook_{h}" not in tests] == []


def test_every_hook_is_documented_with_its_signature():
    docs = (ROOT / "docs" / "plugins.md").read_text(encoding="utf-8")
    for hook in HOOKS:
        params = ", ".join(inspect.signature(getattr(hookspecs, hook)).parameters)
        assert re.search(rf"^### `{hook}\({params}\)`$", docs, re.M), hook


def test_builtin_plugins_import_only_the_public_api():
    for package in (ROOT / "plugins").iterdir():
        for file in package.glob("*.py"):
            imports = re.findall(
                r"^\s*(?:from|import) (kpiengine(?:\.\w+)*)\b(?!_)", file.read_text("utf-8"), re.M
            )
            assert set(imports) <= PUBLIC_MODULES, f"{file}: {imports}"


def test_entry_points_name_every_builtin_plugin_package():
    names = {ep.name for ep in importlib.metadata.entry_points(group="kpiengine")}
    assert {"csv", "json", "console"} <= names


# --- the plugin API version -----------------------------------------------------------------


def installed(monkeypatch, name, module):
    """`module` as the only installed plugin, found through an entry point named `name`."""
    monkeypatch.setitem(sys.modules, module.__name__, module)
    ep = importlib.metadata.EntryPoint(name, module.__name__, "kpiengine")
    monkeypatch.setattr(kpiengine.plugins, "_entry_points", lambda: iter([ep]))


def outputs_plugin(module_name, api):
    module = plugin_module(module_name, register_outputs=lambda register: register(DemoOutput))
    if api is not None:
        module.KPIENGINE_API = api
    return module


def test_a_plugin_for_the_current_api_loads(monkeypatch):
    installed(monkeypatch, "current", outputs_plugin("current_plugin", PLUGIN_API))
    pm = new_manager()
    load_entry_points(pm)
    assert collect(pm).outputs["demo"] == (DemoOutput, "current")


def test_a_plugin_for_another_api_is_refused_naming_it_and_both_versions(monkeypatch):
    installed(monkeypatch, "old", outputs_plugin("old_plugin", 1))
    with pytest.raises(PluginError) as refused:
        load_entry_points(new_manager())
    assert str(refused.value) == (
        f"plugin 'old' (old_plugin) is written for kpiengine plugin API 1; this kpiengine has "
        f"plugin API {PLUGIN_API}: update the plugin for API {PLUGIN_API} (docs/plugins.md lists "
        f"what changed), then set KPIENGINE_API = {PLUGIN_API} in it"
    )


def test_a_plugin_that_declares_no_api_is_refused(monkeypatch):
    installed(monkeypatch, "silent", outputs_plugin("silent_plugin", None))
    with pytest.raises(PluginError, match=r"plugin 'silent' \(silent_plugin\) does not say which"):
        load_entry_points(new_manager())


def test_every_installed_plugin_declares_the_current_api():
    for ep in importlib.metadata.entry_points(group="kpiengine"):
        assert ep.load().KPIENGINE_API == PLUGIN_API, ep.name


def test_the_plugin_api_and_its_changes_are_documented():
    docs = (ROOT / "docs" / "plugins.md").read_text(encoding="utf-8")
    assert f"KPIENGINE_API = {PLUGIN_API}" in docs
    assert re.search(rf"^### API {PLUGIN_API}\b", docs, re.M)

"""The only module that touches pluggy: loads plugins and collects what they register."""

from __future__ import annotations

import importlib.metadata
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache
from types import ModuleType
from typing import Any, TypeVar

import click
import pluggy

from kpiengine import hookspecs
from kpiengine.deferred import Deferred
from kpiengine.errors import PluginError
from kpiengine.output import Output
from kpiengine.source import Source

ENTRY_POINT_GROUP = "kpiengine"
LOAD_PLUGINS_ENV = "KPIENGINE_LOAD_PLUGINS"

T = TypeVar("T")


@dataclass(frozen=True)
class Function:
    """An expression function a plugin adds: the Python callable and an optional SQL template."""

    name: str
    fn: Callable[..., Any]
    sql: str | None
    plugin: str


@dataclass
class Registry:
    """What the loaded plugins registered, each entry with the plugin it came from. An entry is
    the class or, until a run asks for it, a `Deferred` naming it: both have the `name` and
    `options_schema` (and an output's `target_option`) that loading a ruleset reads."""

    sources: dict[str, tuple[type[Source] | Deferred, str]] = field(default_factory=dict)
    outputs: dict[str, tuple[type[Output] | Deferred, str]] = field(default_factory=dict)
    functions: dict[str, Function] = field(default_factory=dict)

    def source(self, name: str) -> type[Source]:
        """The source class, imported now if it was registered deferred."""
        return _loaded(self.sources, name)

    def output(self, name: str) -> type[Output]:
        """The output class, imported now if it was registered deferred."""
        return _loaded(self.outputs, name)


def _loaded(table: dict[str, tuple[type[T] | Deferred, str]], name: str) -> type[T]:
    entry, plugin = table[name]
    if isinstance(entry, Deferred):
        cls: type[T] = entry.load(plugin)
        table[name] = (cls, plugin)
        return cls
    return entry


def new_manager() -> pluggy.PluginManager:
    pm = pluggy.PluginManager("kpiengine")
    pm.add_hookspecs(hookspecs)
    return pm


def _wanted() -> set[str] | None:
    raw = os.environ.get(LOAD_PLUGINS_ENV)
    if raw is None:
        return None
    return {name.strip() for name in raw.split(",") if name.strip()}


def _entry_points() -> Iterator[importlib.metadata.EntryPoint]:
    yield from sorted(
        importlib.metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda ep: ep.name
    )


def load_entry_points(pm: pluggy.PluginManager) -> None:
    """Register every installed plugin, or only those named in KPIENGINE_LOAD_PLUGINS."""
    wanted = _wanted()
    for ep in _entry_points():
        if wanted is not None and ep.name not in wanted:
            continue
        try:
            module = ep.load()
        except Exception as exc:  # a broken third-party package: name it, keep the cause
            raise PluginError(f"plugin '{ep.name}' ({ep.value}) failed to load: {exc}") from exc
        if pm.get_plugin(ep.name) is None:
            check_api(ep, module)
            pm.register(module, name=ep.name)


def check_api(ep: importlib.metadata.EntryPoint, module: ModuleType) -> None:
    """A plugin loads only if written for this plugin API: a mismatch is named, not a crash."""
    declared, api = getattr(module, "KPIENGINE_API", None), hookspecs.PLUGIN_API
    if declared == api:
        return
    if declared is None:
        found = "does not say which kpiengine plugin API it is written for (KPIENGINE_API)"
    else:
        found = f"is written for kpiengine plugin API {declared!r}"
    raise PluginError(
        f"plugin '{ep.name}' ({ep.value}) {found}; this kpiengine has plugin API {api}: "
        f"update the plugin for API {api} (docs/plugins.md lists what changed), "
        f"then set KPIENGINE_API = {api} in it"
    )


def check(pm: pluggy.PluginManager) -> None:
    """A misspelt hook implementation fails loudly instead of being ignored."""
    try:
        pm.check_pending()
    except pluggy.PluginValidationError as exc:
        raise PluginError(f"plugin '{pm.get_name(exc.plugin)}': {exc}") from exc


def _plugin_of(pm: pluggy.PluginManager, module: ModuleType | None) -> str:
    return (pm.get_name(module) if module is not None else None) or "?"


def _registrar(
    table: dict[str, tuple[type[T] | Deferred, str]], kind: str, plugin: str
) -> Callable[[type[T] | Deferred], None]:
    def register(cls: type[T] | Deferred) -> None:
        name = getattr(cls, "name", None)
        if not isinstance(name, str) or not name:
            raise PluginError(f"plugin '{plugin}' registered a {kind} without a name: {cls!r}")
        if name in table:
            other = table[name][1]
            raise PluginError(
                f"{kind} '{name}' is registered by two plugins: '{other}' and '{plugin}'"
            )
        table[name] = (cls, plugin)

    return register


def _function_registrar(table: dict[str, Function], plugin: str) -> Callable[..., None]:
    def register(name: str, fn: Callable[..., Any], sql: str | None = None) -> None:
        if name in table:
            other = table[name].plugin
            raise PluginError(
                f"function '{name}' is registered by two plugins: '{other}' and '{plugin}'"
            )
        table[name] = Function(name, fn, sql, plugin)

    return register


def _each(
    pm: pluggy.PluginManager, caller: Any, make: Callable[[str], Callable[..., None]]
) -> None:
    for impl in caller.get_hookimpls():
        impl.function(register=make(_plugin_of(pm, impl.plugin)))


def collect(pm: pluggy.PluginManager) -> Registry:
    """Call each plugin's register hooks one at a time, so a clash can name both plugins."""
    reg = Registry()
    _each(pm, pm.hook.register_sources, lambda p: _registrar(reg.sources, "source", p))
    _each(pm, pm.hook.register_outputs, lambda p: _registrar(reg.outputs, "output", p))
    _each(pm, pm.hook.register_functions, lambda p: _function_registrar(reg.functions, p))
    return reg


@cache
def default_manager() -> pluggy.PluginManager:
    pm = new_manager()
    load_entry_points(pm)
    check(pm)
    return pm


def registry(pm: pluggy.PluginManager | None = None) -> Registry:
    """What the installed plugins (or the given manager's) registered."""
    return collect(pm or default_manager())


def add_commands(cli: click.Group, pm: pluggy.PluginManager | None = None) -> None:
    (pm or default_manager()).hook.register_commands(cli=cli)

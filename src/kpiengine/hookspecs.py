"""The whole plugin contract. Hooks register things; they do no I/O and return nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click
import pluggy

hookspec = pluggy.HookspecMarker("kpiengine")
hookimpl = pluggy.HookimplMarker("kpiengine")

PLUGIN_API = 2
"""The plugin API this kpiengine offers. A plugin module sets `KPIENGINE_API` to the version it
is written for and loads only when the two are equal (docs/plugins.md says what each changed)."""


@hookspec
def register_sources(register: Callable[[Any], None]) -> None:
    """Register Source subclasses: call register(SourceClass) once for each — or
    register(kpiengine.Deferred("package.module:SourceClass", name=…, options_schema=…)) to have
    the class imported only when a run uses it."""


@hookspec
def register_outputs(register: Callable[[Any], None]) -> None:
    """Register Output subclasses: call register(OutputClass) once for each — or a
    kpiengine.Deferred naming it (with its `target_option`), imported only when a run uses it."""


@hookspec
def register_functions(register: Callable[..., None]) -> None:
    """Register expression functions: register(name, fn, sql=None) — sql a DuckDB template."""


@hookspec
def register_commands(cli: click.Group) -> None:
    """Add click commands to the `kpiengine` command group."""

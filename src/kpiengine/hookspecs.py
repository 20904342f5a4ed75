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
def register_sources(register: Callable[[type[Any]], None]) -> None:
    """Register Source subclasses: call register(SourceClass) once for each."""


@hookspec
def register_outputs(register: Callable[[type[Any]], None]) -> None:
    """Register Output subclasses: call register(OutputClass) once for each."""


@hookspec
def register_functions(register: Callable[..., None]) -> None:
    """Register expression functions: register(name, fn, sql=None) — sql a DuckDB template."""


@hookspec
def register_commands(cli: click.Group) -> None:
    """Add click commands to the `kpiengine` command group."""

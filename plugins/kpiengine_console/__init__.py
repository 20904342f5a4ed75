"""The built-in console plugin: the results as tables on the screen."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kpiengine import hookimpl
from kpiengine_console.output import ConsoleOutput

__all__ = ["ConsoleOutput"]

KPIENGINE_API = 2
"""The kpiengine plugin API this plugin is written for (docs/plugins.md)."""


@hookimpl
def register_outputs(register: Callable[[type[Any]], None]) -> None:
    """Register the console output."""
    register(ConsoleOutput)

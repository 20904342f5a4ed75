"""The built-in console plugin: the results as tables on the screen."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kpiengine import hookimpl
from kpiengine_console.output import ConsoleOutput

__all__ = ["ConsoleOutput"]


@hookimpl
def register_outputs(register: Callable[[type[Any]], None]) -> None:
    """Register the console output."""
    register(ConsoleOutput)

"""The built-in console plugin: the results as tables on the screen."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from kpiengine import Deferred, hookimpl
from kpiengine_console.console_options import OUTPUT_OPTIONS

if TYPE_CHECKING:
    from kpiengine_console.output import ConsoleOutput

__all__ = ["ConsoleOutput"]

KPIENGINE_API = 2
"""The kpiengine plugin API this plugin is written for (docs/plugins.md)."""


@hookimpl
def register_outputs(register: Callable[[Any], None]) -> None:
    """Register the console output."""
    register(
        Deferred(
            "kpiengine_console.output:ConsoleOutput", name="console", options_schema=OUTPUT_OPTIONS
        )
    )


_CLASSES: dict[str, str] = {
    "ConsoleOutput": "kpiengine_console.output",
}
"""The plugin's classes, imported on first use: registering them imports none (`Deferred`)."""


def __getattr__(name: str) -> Any:
    module = _CLASSES.get(name)
    if module is None:
        raise AttributeError(f"module 'kpiengine_console' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)

"""The built-in json plugin: the results document of docs/results.md."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from kpiengine import Deferred, hookimpl
from kpiengine_json.output_options import OUTPUT_OPTIONS

if TYPE_CHECKING:
    from kpiengine_json.output import JsonOutput

__all__ = ["JsonOutput"]

KPIENGINE_API = 2
"""The kpiengine plugin API this plugin is written for (docs/plugins.md)."""


@hookimpl
def register_outputs(register: Callable[[Any], None]) -> None:
    """Register the json output."""
    register(
        Deferred(
            "kpiengine_json.output:JsonOutput",
            name="json",
            options_schema=OUTPUT_OPTIONS,
            target_option="path",
        )
    )


_CLASSES: dict[str, str] = {
    "JsonOutput": "kpiengine_json.output",
}
"""The plugin's classes, imported on first use: registering them imports none (`Deferred`)."""


def __getattr__(name: str) -> Any:
    module = _CLASSES.get(name)
    if module is None:
        raise AttributeError(f"module 'kpiengine_json' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)

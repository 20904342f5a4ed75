"""The built-in csv plugin: a CSV file as a source, and the results as a CSV file."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from kpiengine import Deferred, hookimpl
from kpiengine_csv.output_options import OUTPUT_OPTIONS
from kpiengine_csv.source_options import SOURCE_OPTIONS

if TYPE_CHECKING:
    from kpiengine_csv.output import CsvOutput
    from kpiengine_csv.source import CsvSource

__all__ = ["CsvOutput", "CsvSource"]

KPIENGINE_API = 2
"""The kpiengine plugin API this plugin is written for (docs/plugins.md)."""


@hookimpl
def register_sources(register: Callable[[Any], None]) -> None:
    """Register the csv source."""
    register(Deferred("kpiengine_csv.source:CsvSource", name="csv", options_schema=SOURCE_OPTIONS))


@hookimpl
def register_outputs(register: Callable[[Any], None]) -> None:
    """Register the csv output."""
    register(
        Deferred(
            "kpiengine_csv.output:CsvOutput",
            name="csv",
            options_schema=OUTPUT_OPTIONS,
            target_option="path",
        )
    )


_CLASSES: dict[str, str] = {
    "CsvSource": "kpiengine_csv.source",
    "CsvOutput": "kpiengine_csv.output",
}
"""The plugin's classes, imported on first use: registering them imports none (`Deferred`)."""


def __getattr__(name: str) -> Any:
    module = _CLASSES.get(name)
    if module is None:
        raise AttributeError(f"module 'kpiengine_csv' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)

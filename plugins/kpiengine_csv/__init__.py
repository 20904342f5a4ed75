"""The built-in csv plugin: a CSV file as a source, and the results as a CSV file."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kpiengine import hookimpl
from kpiengine_csv.output import CsvOutput
from kpiengine_csv.source import CsvSource

__all__ = ["CsvOutput", "CsvSource"]

KPIENGINE_API = 2
"""The kpiengine plugin API this plugin is written for (docs/plugins.md)."""


@hookimpl
def register_sources(register: Callable[[type[Any]], None]) -> None:
    """Register the csv source."""
    register(CsvSource)


@hookimpl
def register_outputs(register: Callable[[type[Any]], None]) -> None:
    """Register the csv output."""
    register(CsvOutput)

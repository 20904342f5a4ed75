"""The built-in json plugin: the results document of docs/results.md."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kpiengine import hookimpl
from kpiengine_json.output import JsonOutput

__all__ = ["JsonOutput"]

KPIENGINE_API = 2
"""The kpiengine plugin API this plugin is written for (docs/plugins.md)."""


@hookimpl
def register_outputs(register: Callable[[type[Any]], None]) -> None:
    """Register the json output."""
    register(JsonOutput)

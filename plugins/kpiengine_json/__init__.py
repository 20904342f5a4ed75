"""The built-in json plugin: the results document of DESIGN §4."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kpiengine import hookimpl
from kpiengine_json.output import JsonOutput

__all__ = ["JsonOutput"]


@hookimpl
def register_outputs(register: Callable[[type[Any]], None]) -> None:
    """Register the json output."""
    register(JsonOutput)

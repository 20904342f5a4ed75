"""The built-in jiandaoyun plugin (简道云): a form as a source, and results written back."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from kpiengine import Deferred, hookimpl
from kpiengine_jiandaoyun.options import OUTPUT_OPTIONS, SOURCE_OPTIONS

if TYPE_CHECKING:
    from kpiengine_jiandaoyun.output import JiandaoyunOutput
    from kpiengine_jiandaoyun.source import JiandaoyunSource

__all__ = ["JiandaoyunOutput", "JiandaoyunSource"]

KPIENGINE_API = 2
"""The kpiengine plugin API this plugin is written for (docs/plugins.md)."""


@hookimpl
def register_sources(register: Callable[[Any], None]) -> None:
    """Register the jiandaoyun source."""
    register(
        Deferred(
            "kpiengine_jiandaoyun.source:JiandaoyunSource",
            name="jiandaoyun",
            options_schema=SOURCE_OPTIONS,
        )
    )


@hookimpl
def register_outputs(register: Callable[[Any], None]) -> None:
    """Register the jiandaoyun output."""
    register(
        Deferred(
            "kpiengine_jiandaoyun.output:JiandaoyunOutput",
            name="jiandaoyun",
            options_schema=OUTPUT_OPTIONS,
        )
    )


_CLASSES: dict[str, str] = {
    "JiandaoyunSource": "kpiengine_jiandaoyun.source",
    "JiandaoyunOutput": "kpiengine_jiandaoyun.output",
}
"""The plugin's classes, imported on first use: registering them imports none (`Deferred`)."""


def __getattr__(name: str) -> Any:
    module = _CLASSES.get(name)
    if module is None:
        raise AttributeError(f"module 'kpiengine_jiandaoyun' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)

"""The built-in zoho plugin: a Zoho CRM module (Deals by default) as a source."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from kpiengine import Deferred, hookimpl
from kpiengine_zoho.options import SOURCE_OPTIONS

if TYPE_CHECKING:
    from kpiengine_zoho.source import ZohoSource

__all__ = ["ZohoSource"]

KPIENGINE_API = 2
"""The kpiengine plugin API this plugin is written for (docs/plugins.md)."""


@hookimpl
def register_sources(register: Callable[[Any], None]) -> None:
    """Register the zoho source."""
    register(
        Deferred("kpiengine_zoho.source:ZohoSource", name="zoho", options_schema=SOURCE_OPTIONS)
    )


_CLASSES: dict[str, str] = {
    "ZohoSource": "kpiengine_zoho.source",
}
"""The plugin's classes, imported on first use: registering them imports none (`Deferred`)."""


def __getattr__(name: str) -> Any:
    module = _CLASSES.get(name)
    if module is None:
        raise AttributeError(f"module 'kpiengine_zoho' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)

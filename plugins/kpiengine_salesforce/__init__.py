"""The built-in salesforce plugin: an org's deals (Opportunity records) as a source."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from kpiengine import Deferred, hookimpl
from kpiengine_salesforce.options import SOURCE_OPTIONS

if TYPE_CHECKING:
    from kpiengine_salesforce.source import SalesforceSource

__all__ = ["SalesforceSource"]

KPIENGINE_API = 2
"""The kpiengine plugin API this plugin is written for (docs/plugins.md)."""


@hookimpl
def register_sources(register: Callable[[Any], None]) -> None:
    """Register the salesforce source."""
    register(
        Deferred(
            "kpiengine_salesforce.source:SalesforceSource",
            name="salesforce",
            options_schema=SOURCE_OPTIONS,
        )
    )


_CLASSES: dict[str, str] = {
    "SalesforceSource": "kpiengine_salesforce.source",
}
"""The plugin's classes, imported on first use: registering them imports none (`Deferred`)."""


def __getattr__(name: str) -> Any:
    module = _CLASSES.get(name)
    if module is None:
        raise AttributeError(f"module 'kpiengine_salesforce' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)

"""The built-in zoho plugin: a Zoho CRM module (Deals by default) as a source."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kpiengine import hookimpl
from kpiengine_zoho.source import ZohoSource

__all__ = ["ZohoSource"]

KPIENGINE_API = 2
"""The kpiengine plugin API this plugin is written for (docs/plugins.md)."""


@hookimpl
def register_sources(register: Callable[[type[Any]], None]) -> None:
    """Register the zoho source."""
    register(ZohoSource)

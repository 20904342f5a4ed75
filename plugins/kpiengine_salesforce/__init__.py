"""The built-in salesforce plugin: an org's deals (Opportunity records) as a source."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kpiengine import hookimpl
from kpiengine_salesforce.source import SalesforceSource

__all__ = ["SalesforceSource"]

KPIENGINE_API = 2
"""The kpiengine plugin API this plugin is written for (docs/plugins.md)."""


@hookimpl
def register_sources(register: Callable[[type[Any]], None]) -> None:
    """Register the salesforce source."""
    register(SalesforceSource)

"""The built-in salesforce plugin: an org's deals (Opportunity records) as a source."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kpiengine import hookimpl
from kpiengine_salesforce.source import SalesforceSource

__all__ = ["SalesforceSource"]


@hookimpl
def register_sources(register: Callable[[type[Any]], None]) -> None:
    """Register the salesforce source."""
    register(SalesforceSource)

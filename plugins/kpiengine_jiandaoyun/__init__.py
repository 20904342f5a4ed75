"""The built-in jiandaoyun plugin (简道云): a form as a source, and results written back."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kpiengine import hookimpl
from kpiengine_jiandaoyun.output import JiandaoyunOutput
from kpiengine_jiandaoyun.source import JiandaoyunSource

__all__ = ["JiandaoyunOutput", "JiandaoyunSource"]

KPIENGINE_API = 2
"""The kpiengine plugin API this plugin is written for (docs/plugins.md)."""


@hookimpl
def register_sources(register: Callable[[type[Any]], None]) -> None:
    """Register the jiandaoyun source."""
    register(JiandaoyunSource)


@hookimpl
def register_outputs(register: Callable[[type[Any]], None]) -> None:
    """Register the jiandaoyun output."""
    register(JiandaoyunOutput)

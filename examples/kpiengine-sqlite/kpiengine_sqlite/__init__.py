"""kpiengine-sqlite: a kpiengine source that reads the records of one table of a SQLite database.

kpiengine finds this module through the entry point in pyproject.toml and calls its hooks.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kpiengine import hookimpl

from kpiengine_sqlite.source import SqliteSource

__version__ = "0.1.0"
__all__ = ["SqliteSource"]

KPIENGINE_API = 2
"""The kpiengine plugin API this plugin is written for (docs/plugins.md)."""


@hookimpl
def register_sources(register: Callable[[type[Any]], None]) -> None:
    """Register the sqlite source (hooks only register: no file is opened here)."""
    register(SqliteSource)

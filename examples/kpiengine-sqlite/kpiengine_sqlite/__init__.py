"""kpiengine-sqlite: a kpiengine source that reads the records of one table of a SQLite database.

kpiengine finds this module through the entry point in pyproject.toml and calls its hooks. The
source is registered `Deferred`: by where its class lives, with its name and options schema, so
that `kpiengine --help` and `validate` never import its code (or pyarrow) — the class is imported
the first time a run reads a sqlite source.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from kpiengine import Deferred, hookimpl

from kpiengine_sqlite.options import OPTIONS

if TYPE_CHECKING:
    from kpiengine_sqlite.source import SqliteSource

__version__ = "0.1.0"
__all__ = ["SqliteSource"]

KPIENGINE_API = 2
"""The kpiengine plugin API this plugin is written for (docs/plugins.md)."""


@hookimpl
def register_sources(register: Callable[[Any], None]) -> None:
    """Register the sqlite source (hooks only register: no file is opened, no code imported)."""
    register(
        Deferred("kpiengine_sqlite.source:SqliteSource", name="sqlite", options_schema=OPTIONS)
    )


def __getattr__(name: str) -> Any:
    """`SqliteSource`, imported on first use."""
    if name == "SqliteSource":
        return importlib.import_module("kpiengine_sqlite.source").SqliteSource
    raise AttributeError(f"module 'kpiengine_sqlite' has no attribute {name!r}")

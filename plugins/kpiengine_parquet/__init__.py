"""The built-in `parquet` source: a Parquet file's columns, read without parsing text."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from kpiengine import Deferred, hookimpl
from kpiengine_parquet.options import OPTIONS

if TYPE_CHECKING:
    from kpiengine_parquet.source import ParquetSource

__all__ = ["ParquetSource"]

KPIENGINE_API = 2
"""The kpiengine plugin API this plugin is written for (docs/plugins.md)."""


@hookimpl
def register_sources(register: Callable[[Any], None]) -> None:
    register(
        Deferred("kpiengine_parquet.source:ParquetSource", name="parquet", options_schema=OPTIONS)
    )


_CLASSES: dict[str, str] = {
    "ParquetSource": "kpiengine_parquet.source",
}
"""The plugin's classes, imported on first use: registering them imports none (`Deferred`)."""


def __getattr__(name: str) -> Any:
    module = _CLASSES.get(name)
    if module is None:
        raise AttributeError(f"module 'kpiengine_parquet' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)

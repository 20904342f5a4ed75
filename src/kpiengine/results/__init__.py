"""The results layer: a run's results as tables of exact text (the result table), the result
objects outputs may read, and atomic writing (public API)."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from kpiengine.results.layout import IndicatorInfo, Kind, Layout, ResultColumn

if TYPE_CHECKING:
    from kpiengine.results.table import ResultTable

_WHERE: dict[str, str] = {
    "ResultTable": "kpiengine.results.table",
}
"""Each name imported on first use (PEP 562), and the module it lives in."""


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'kpiengine.results' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


__all__ = ["IndicatorInfo", "Kind", "Layout", "ResultColumn", "ResultTable"]

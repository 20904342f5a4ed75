"""The results layer: a run's results as tables of exact text (the result table), the result
objects outputs may read, and atomic writing (public API)."""

from __future__ import annotations

from kpiengine.results.layout import IndicatorInfo, Kind, Layout, ResultColumn
from kpiengine.results.table import ResultTable

__all__ = ["IndicatorInfo", "Kind", "Layout", "ResultColumn", "ResultTable"]

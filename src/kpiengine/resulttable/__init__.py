"""A run's results as tables of exact text, for outputs that write many rows (public API)."""

from __future__ import annotations

from kpiengine.resulttable.layout import IndicatorInfo, Kind, Layout, ResultColumn
from kpiengine.resulttable.table import ResultTable

__all__ = ["IndicatorInfo", "Kind", "Layout", "ResultColumn", "ResultTable"]

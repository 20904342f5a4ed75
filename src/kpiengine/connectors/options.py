"""Options every HTTP connector offers: their schema fragments and their resolved values."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo

from kpiengine.connectors.client import DEFAULT_TIMEOUT
from kpiengine.connectors.values import time_zone

TIMEOUT_OPTION: dict[str, Any] = {
    "type": "number",
    "exclusiveMinimum": 0,
    "maximum": 300,
    "default": DEFAULT_TIMEOUT,
    "title": "timeout",
    "description": "Seconds to wait for an answer before trying again.",
}
"""The schema of a `timeout` option: write `"timeout": TIMEOUT_OPTION` among the properties."""


def option_timeout(options: Mapping[str, Any], default: float = DEFAULT_TIMEOUT) -> float:
    """The `timeout` option in seconds; `default` when the options set none."""
    value = options.get("timeout")
    return default if value is None else float(value)


def option_zone(options: Mapping[str, Any], default: str, who: str) -> ZoneInfo:
    """The `timezone` option (`default` when unset) as a zone; Refused if it names none."""
    return time_zone(str(options.get("timezone") or default), who)

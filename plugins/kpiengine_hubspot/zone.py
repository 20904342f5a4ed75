"""The `timezone` option as a tzinfo, refused with a clear sentence when it names no zone."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo

from kpiengine.connectors import time_zone
from kpiengine_hubspot.options import DEFAULT_TIMEZONE


def zone_of(options: Mapping[str, Any], who: str) -> ZoneInfo:
    """The time zone dates are read in (UTC unless `timezone` says otherwise)."""
    return time_zone(str(options.get("timezone") or DEFAULT_TIMEZONE), who)

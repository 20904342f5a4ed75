"""The `timezone` option as a tzinfo, refused with a clear sentence when it names no zone."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from kpiengine import Refused
from kpiengine_hubspot.options import DEFAULT_TIMEZONE


def zone_of(options: Mapping[str, Any], who: str) -> ZoneInfo:
    """The time zone dates are read in (UTC unless `timezone` says otherwise)."""
    name = str(options.get("timezone") or DEFAULT_TIMEZONE)
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise Refused(
            f"{who}: timezone '{name}' is not a time zone this computer knows — write a name "
            "such as Asia/Shanghai or America/New_York (on a system without time zone data: "
            "pip install tzdata)"
        ) from None

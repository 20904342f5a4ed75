"""Options every HTTP connector offers: their schema fragments and their resolved values."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo

from kpiengine.connectors.client import DEFAULT_TIMEOUT
from kpiengine.connectors.limits import DEFAULT_DEADLINE, DEFAULT_MAX_RESPONSE_BYTES

TIMEOUT_OPTION: dict[str, Any] = {
    "type": "number",
    "exclusiveMinimum": 0,
    "maximum": 300,
    "default": DEFAULT_TIMEOUT,
    "title": "timeout",
    "description": "Seconds to wait for an answer before trying again.",
}
"""The schema of a `timeout` option: write `"timeout": TIMEOUT_OPTION` among the properties."""


DEADLINE_OPTION: dict[str, Any] = {
    "type": "number",
    "exclusiveMinimum": 0,
    "maximum": 3600,
    "default": DEFAULT_DEADLINE,
    "title": "deadline",
    "description": "Seconds one request may take in all, from connecting to the last byte of "
    "the answer (`timeout` bounds each wait within it); a request that takes longer is given "
    "up and tried again.",
}
"""The schema of a `deadline` option: write `"deadline": DEADLINE_OPTION` among the properties."""

MAX_RESPONSE_OPTION: dict[str, Any] = {
    "type": "integer",
    "minimum": 1,
    "maximum": 1024,
    "default": DEFAULT_MAX_RESPONSE_BYTES // (1024 * 1024),
    "title": "largest answer (MiB)",
    "description": "The largest answer read from the server, in MiB; a larger one stops the run "
    "with an error naming the address, instead of filling the memory.",
}
"""The schema of a `max_response_mb` option."""


def option_timeout(options: Mapping[str, Any], default: float = DEFAULT_TIMEOUT) -> float:
    """The `timeout` option in seconds; `default` when the options set none."""
    value = options.get("timeout")
    return default if value is None else float(value)


def option_zone(options: Mapping[str, Any], default: str, who: str) -> ZoneInfo:
    """The `timezone` option (`default` when unset) as a zone; Refused if it names none."""
    from kpiengine.connectors.values import time_zone  # pyarrow: not for loading a ruleset

    return time_zone(str(options.get("timezone") or default), who)


def option_deadline(options: Mapping[str, Any], default: float = DEFAULT_DEADLINE) -> float:
    """The `deadline` option in seconds; `default` when the options set none."""
    value = options.get("deadline")
    return default if value is None else float(value)


def option_max_response(
    options: Mapping[str, Any], default: int = DEFAULT_MAX_RESPONSE_BYTES
) -> int:
    """The `max_response_mb` option in bytes; `default` when the options set none."""
    value = options.get("max_response_mb")
    return default if value is None else int(value) * 1024 * 1024

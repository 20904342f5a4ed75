"""One HubSpot connection: the API's address, token, limits and retries, from the options."""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import AbstractContextManager
from typing import Any

from kpiengine import JsonApi, RateLimiter, RetryPolicy, TokenHolder
from kpiengine.connectors import Caller
from kpiengine_hubspot.errors import SERVICE, Context, checker
from kpiengine_hubspot.options import DEFAULT_BASE_URL, DEFAULT_OBJECT

RATES = {"read": 10.0, "search": 4.0}
"""Calls a second per kind. Reads: the smallest burst limit (100 per 10 s, Free/Starter).
Search: documented at 5 a second per account, not counted in the burst window; one below it
leaves room for the account's other integrations."""

RETRY = RetryPolicy(attempts=6, base_delay=1.0, max_delay=30.0, max_total=120.0)
"""A ten-secondly 429 waits 10 s (or Retry-After); six tries outlast a busy window."""


def object_type(options: Mapping[str, Any]) -> str:
    return str(options.get("object") or DEFAULT_OBJECT)


def open_api(
    options: Mapping[str, Any], caller: Caller, rates: Mapping[str, float]
) -> AbstractContextManager[JsonApi]:
    """A `JsonApi` for HubSpot with its limits, retries and error answers; closed on exit.

    The token is a private app's: static, so a 401 is retried once with it and then refused.
    """
    return caller.open(
        str(options.get("base_url") or DEFAULT_BASE_URL).strip().rstrip("/"),
        SERVICE,
        check=checker(Context(caller.who, object_type(options))),
        limiter=RateLimiter(rates),
        tokens=TokenHolder.static(str(options["access_token"])),
    )

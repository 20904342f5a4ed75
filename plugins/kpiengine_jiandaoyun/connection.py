"""One Jiandaoyun connection: the API's address, key and limits, from a plugin's options."""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import AbstractContextManager
from typing import Any

from kpiengine import JsonApi, RateLimiter, RetryPolicy, TokenHolder
from kpiengine.connectors import Caller
from kpiengine_jiandaoyun.errors import SERVICE, Context, checker
from kpiengine_jiandaoyun.options import DEFAULT_BASE_URL
from kpiengine_jiandaoyun.records import FormRef

RATES = {"read": 30.0, "write": 20.0, "batch": 10.0}
"""Calls a second per kind: reads (widget/list, data/list), single writes, batch writes."""
OVERALL_RATE = 50.0
"""The team-wide limit on every call."""

RETRY = RetryPolicy(attempts=6, base_delay=1.0, max_delay=20.0, max_total=90.0)
"""Jiandaoyun asks to wait a second after a rate-limit code: the backoff starts there."""


def api_root(base_url: str) -> str:
    """The address the `/api/v5/…` paths hang from; a trailing `/api` is accepted too."""
    root = base_url.strip().rstrip("/")
    return root[: -len("/api")] if root.endswith("/api") else root


def form_ref(options: Mapping[str, Any]) -> FormRef:
    return FormRef(str(options["app_id"]), str(options["entry_id"]))


def open_api(
    options: Mapping[str, Any], caller: Caller, filter_option: str
) -> AbstractContextManager[JsonApi]:
    """A `JsonApi` for Jiandaoyun with its limits, key and error codes; closed on exit."""
    ref = form_ref(options)
    return caller.open(
        api_root(str(options.get("base_url") or DEFAULT_BASE_URL)),
        SERVICE,
        check=checker(Context(caller.who, ref.app_id, ref.entry_id, filter_option)),
        limiter=RateLimiter(RATES, overall=OVERALL_RATE),
        tokens=TokenHolder.static(str(options["api_key"])),
    )

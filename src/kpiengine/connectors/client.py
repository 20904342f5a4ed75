"""The httpx client every HTTP connector starts from: a base URL, timeouts, a user agent."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # httpx loads when a connector makes a client, not at start-up
    import httpx

DEFAULT_TIMEOUT = 30.0
"""Seconds to wait for a vendor to answer (connect, send, read) before retrying."""

USER_AGENT = "kpiengine"


def make_client(
    base_url: str,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    headers: Mapping[str, str] | None = None,
    transport: httpx.BaseTransport | None = None,
) -> httpx.Client:
    """An `httpx.Client` for one vendor API.

    Every phase (connect, write, read, pool) times out after `timeout` seconds, so a silent
    server becomes a retryable timeout instead of a hung run. Redirects are not followed: an
    API that redirects is usually a wrong `base_url`, and following it could send the
    credentials elsewhere. Proxies come from the usual environment variables. Pass `transport`
    (e.g. `httpx.MockTransport`) to test without a server. Close the client when done (it is a
    context manager).
    """
    import httpx

    return httpx.Client(
        base_url=base_url,
        timeout=httpx.Timeout(timeout),
        headers={"User-Agent": USER_AGENT, **(headers or {})},
        transport=transport,
        follow_redirects=False,
    )

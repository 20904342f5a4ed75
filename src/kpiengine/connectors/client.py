"""The httpx client every HTTP connector starts from: a base URL, time and size limits, a user
agent."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from kpiengine.connectors.limits import DEFAULT_DEADLINE, DEFAULT_MAX_RESPONSE_BYTES

if TYPE_CHECKING:  # httpx loads when a connector makes a client, not at start-up
    import httpx

DEFAULT_TIMEOUT = 30.0
"""Seconds to wait for a vendor to answer (connect, send, read) before retrying."""

USER_AGENT = "kpiengine"


def make_client(
    base_url: str,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    deadline: float = DEFAULT_DEADLINE,
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
    headers: Mapping[str, str] | None = None,
    transport: httpx.BaseTransport | None = None,
) -> httpx.Client:
    """An `httpx.Client` for one vendor API.

    Every phase (connect, write, read, pool) times out after `timeout` seconds, so a silent
    server becomes a retryable timeout instead of a hung run, and each request as a whole after
    `deadline` seconds, so a server that trickles its answer does too (`httpx.TimeoutException`).
    An answer over `max_response_bytes` raises `ResponseTooLarge` instead of filling the memory.
    Redirects are not followed: an API that redirects is usually a wrong `base_url`, and
    following it could send the credentials elsewhere. Proxies come from the usual environment
    variables. Pass `transport` (e.g. `httpx.MockTransport`) to test without a server. Close the
    client when done (it is a context manager).
    """
    import httpx

    from kpiengine.connectors.bounded import BoundedClient

    return BoundedClient(
        deadline=deadline,
        max_bytes=max_response_bytes,
        base_url=base_url,
        timeout=httpx.Timeout(timeout),
        headers={"User-Agent": USER_AGENT, **(headers or {})},
        transport=transport,
        follow_redirects=False,
    )

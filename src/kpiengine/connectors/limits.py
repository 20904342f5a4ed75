"""How long one HTTP request may take in all, and how large its answer may be.

httpx's `timeout` bounds each wait for bytes, so a server that trickles a byte every few seconds
never trips it; and an answer is read whole into memory, so a 2 GB body exhausts it. Every client
`make_client` gives holds its requests to a total deadline and its answers to a size (see
`bounded.py`); both are options of every connector (`options.py`).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from kpiengine.files import byte_size

DEFAULT_DEADLINE = 120.0
"""Seconds one request may take from connecting to the last byte of its answer."""

DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024
"""The largest answer read: 64 MiB, far above a page of records from any vendor."""


class ResponseTooLarge(Exception):
    """An answer longer than the client allows; never retried (it would be as long again)."""

    def __init__(self, url: str, limit: int) -> None:
        super().__init__(f"an answer of more than {byte_size(limit)} from {shown_url(url)}")
        self.url = url
        self.limit = limit


def shown_url(url: str) -> str:
    """The address without its query or user name, where a vendor may carry a key."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}{parts.path}"

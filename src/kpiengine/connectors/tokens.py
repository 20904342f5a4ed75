"""Access tokens: fetched when first needed, refreshed once when the vendor answers 401."""

from __future__ import annotations

import threading
from collections.abc import Callable


class TokenHolder:
    """Holds a connector's access token.

    `fetch` obtains a token (an OAuth refresh, or just returns an API key). `token()` fetches it on
    first use; `refresh(stale)` fetches a new one unless another thread already replaced `stale`,
    so a burst of 401s refreshes once. `JsonApi` calls `refresh` once per request on HTTP 401 and
    gives up if the new token is refused too.
    """

    def __init__(self, fetch: Callable[[], str]) -> None:
        self._fetch = fetch
        self._token: str | None = None
        self._lock = threading.Lock()
        self.refreshes = 0

    @classmethod
    def static(cls, token: str) -> TokenHolder:
        """A holder for a key that never changes (an API key): a refresh gives the same key."""
        return cls(lambda: token)

    def token(self) -> str:
        """The current token, fetched on first use."""
        with self._lock:
            if self._token is None:
                self._token = self._fetch()
            return self._token

    def refresh(self, stale: str) -> str:
        """A fresh token in place of `stale` (fetched once even if many callers ask)."""
        with self._lock:
            if self._token is None or self._token == stale:
                self._token = self._fetch()
                self.refreshes += 1
            return self._token

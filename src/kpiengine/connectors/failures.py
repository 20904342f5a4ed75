"""The two ways a vendor call fails: worth retrying, or refused for good."""

from __future__ import annotations


class Retryable(Exception):
    """A failure worth retrying: HTTP 429, a 5xx, a timeout, a vendor's rate-limit code.

    Raise it inside an attempt (for example from a `JsonApi` check). `retry_after` is how long the
    vendor asked to wait, in seconds (from `Retry-After` or its documentation); None lets the
    retry policy's backoff decide.
    """

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


class Refused(Exception):
    """A permanent failure — bad credentials, an exhausted daily quota, a missing form.

    Never retried. `message` is the whole sentence the user reads (it names the source and the
    option to fix); `JsonApi` turns it into the connector's SourceError or OutputError.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

"""The two ways a vendor call fails: worth retrying, or refused for good."""

from __future__ import annotations

import ssl

from kpiengine.connectors.limits import ResponseTooLarge


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


def untrusted_certificate(exc: BaseException) -> ssl.SSLCertVerificationError | None:
    """The certificate check that failed somewhere in `exc`'s causes, if one did."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLCertVerificationError):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


def transport_failure(exc: BaseException, service: str, who: str) -> Retryable | Refused:
    """A network failure: retried — unless the server's certificate is not trusted, which no
    retry changes."""
    bad = untrusted_certificate(exc)
    if bad is None:
        return Retryable(f"cannot reach {service} for {who}: {exc}")
    return Refused(certificate_sentence(bad, f"{service}'s server", who))


def certificate_sentence(bad: ssl.SSLCertVerificationError, server: str, who: str) -> str:
    """`Vendor's server did not show source 'deals' a certificate this machine trusts (…) …`."""
    reason = bad.verify_message or bad.reason or str(bad)
    return (
        f"{server} did not show {who} a certificate this machine trusts ({reason}) — check "
        "the address; behind a company proxy that inspects traffic, set SSL_CERT_FILE to the "
        "proxy's certificate authority"
    )


def too_large(exc: ResponseTooLarge, service: str, who: str) -> str:
    """`Vendor sent source 'deals' an answer of more than 64 MiB from https://… (option …)`."""
    return f"{service} sent {who} {exc} (option max_response_mb)"

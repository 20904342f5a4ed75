"""A vendor's JSON-over-HTTP API with the toolkit applied: limits, auth, retries, redaction."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from kpiengine.connectors.failures import Refused, Retryable, too_large, transport_failure
from kpiengine.connectors.limits import ResponseTooLarge
from kpiengine.connectors.ratelimit import RateLimiter
from kpiengine.connectors.redact import Redactor
from kpiengine.connectors.retry import (
    RetriesExhausted,
    RetryPolicy,
    retry_after_seconds,
    with_retries,
)
from kpiengine.connectors.tokens import TokenHolder
from kpiengine.errors import KpiEngineError

if TYPE_CHECKING:  # httpx loads when a connector makes a client, not at start-up
    import httpx

log = logging.getLogger("kpiengine.connectors")

JSON_TYPE = "application/json; charset=utf-8"
FORM_TYPE = "application/x-www-form-urlencoded"

Check = Callable[["httpx.Response", Any], None]
"""Looks at a response and its parsed JSON body (None if it had none): returns if it is a
success, raises `Retryable` for a failure worth retrying, `Refused` for a permanent one."""


def check_http(response: httpx.Response, who: str, service: str) -> None:
    """The HTTP-level verdict every vendor shares; call it after the vendor's own codes.

    2xx passes; 429 and 5xx are retried (honouring `Retry-After`); 401/403 mean the
    credentials were refused; anything else is refused, naming the status.
    """
    status = response.status_code
    if 200 <= status < 300:
        return
    if status == 429 or status >= 500:
        raise retry_later(response, f"{service} answered HTTP {status} for {who}")
    if status in (401, 403):
        raise Refused(f"{service} refused the credentials of {who} (HTTP {status})")
    raise Refused(f"{service} answered HTTP {status} for {who} — check its base URL")


def retry_later(response: httpx.Response, reason: str, wait: float | None = None) -> Retryable:
    """A `Retryable` for an answer that says "not now": waits as long as its `Retry-After`
    header asks, else `wait` seconds (the vendor's documented window), else the policy's backoff.
    """
    after = retry_after_seconds(response.headers.get("Retry-After"))
    return Retryable(reason, wait if after is None else after)


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(f"cannot send {type(value).__name__} as JSON")


def encode_json(body: Mapping[str, Any]) -> bytes:
    """A request body as UTF-8 JSON (Chinese kept as is; Decimals as numbers)."""
    return json.dumps(body, ensure_ascii=False, default=_json_default).encode("utf-8")


def decode_json(response: httpx.Response) -> Any:
    """The body as JSON with exact Decimal numbers; None when it is empty or not JSON."""
    try:
        return json.loads(response.content, parse_float=Decimal) if response.content else None
    except ValueError:
        return None


class JsonApi:
    """Calls to one vendor's JSON API, for one source or output.

    Each call waits for the rate limiter, sends the JSON body with the token, refreshes the
    token once on HTTP 401, retries `Retryable` failures per the policy, and turns a `Refused`
    failure or exhausted retries into `error(message)` (the plugin's SourceError or OutputError)
    with every secret the redactor knows removed. `who` names the caller in messages ("source
    'deals'"), `service` the vendor ("Jiandaoyun").
    """

    def __init__(
        self,
        client: httpx.Client,
        *,
        who: str,
        service: str,
        error: Callable[[str], KpiEngineError],
        redactor: Redactor,
        check: Check | None = None,
        policy: RetryPolicy | None = None,
        limiter: RateLimiter | None = None,
        tokens: TokenHolder | None = None,
        auth_scheme: str = "Bearer",
    ) -> None:
        self.client = client
        self.who = who
        self.service = service
        self.error = error
        self.redactor = redactor
        self.check: Check = check or (lambda response, _: check_http(response, who, service))
        self.policy = policy or RetryPolicy()
        self.limiter = limiter
        self.tokens = tokens
        self.auth_scheme = auth_scheme

    def post(self, path: str, body: Mapping[str, Any], *, kind: str = "read") -> Any:
        """POST `body` as JSON to `path`; the parsed JSON answer (numbers as Decimal).

        None when the vendor answers HTTP 204 No Content (e.g. "no records").
        """
        content = encode_json(body)
        return self._retried(lambda: self._attempt(path, content, kind))

    def get(
        self,
        path: str,
        params: Mapping[str, Any] | None = None,
        *,
        kind: str = "read",
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        """GET `path` with the query `params` (None values left out); the parsed JSON answer.

        The same rate limit, token refresh, retries and redaction as `post`; None for HTTP 204
        No Content. `headers` are sent as well (e.g. `If-Modified-Since`).
        """
        query = {key: value for key, value in (params or {}).items() if value is not None}
        return self._retried(lambda: self._attempt(path, None, kind, query, extra_headers=headers))

    def post_form(self, path: str, fields: Mapping[str, str], *, kind: str = "read") -> Any:
        """POST `fields` form-encoded, as OAuth token endpoints want; the parsed JSON answer.

        The same rate limit, token (if any), retries and redaction as `post`.
        """
        content = urlencode(fields).encode("ascii")
        return self._retried(lambda: self._attempt(path, content, kind, None, FORM_TYPE))

    def _retried(self, attempt: Callable[[], Any]) -> Any:
        try:
            return with_retries(attempt, self.policy)
        except Refused as exc:
            raise self.error(self.redactor.redact(exc.message)) from None
        except RetriesExhausted as exc:
            raise self.error(self.redactor.redact(self._gave_up(exc))) from None

    def _gave_up(self, exc: RetriesExhausted) -> str:
        return (
            f"{self.who}: {self.service} still failed after {exc.attempts} attempts "
            f"({exc.last.reason}); try again later"
        )

    def _attempt(
        self,
        path: str,
        content: bytes | None,
        kind: str,
        query: Mapping[str, Any] | None = None,
        content_type: str = JSON_TYPE,
        extra_headers: Mapping[str, str] | None = None,
    ) -> Any:
        if self.limiter is not None:
            self.limiter.acquire(kind)
        response = self._send_authorised(path, content, query, content_type, extra_headers)
        payload = decode_json(response)
        self.check(response, payload)
        if response.status_code == 204:
            return None
        if payload is None:
            raise Refused(
                f"{self.service} did not answer {self.who} with JSON (HTTP "
                f"{response.status_code}) — check its base URL"
            )
        return payload

    def _send_authorised(
        self,
        path: str,
        content: bytes | None,
        query: Mapping[str, Any] | None = None,
        content_type: str = JSON_TYPE,
        extra_headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        def send(token: str | None) -> httpx.Response:
            return self._send(path, content, token, query, content_type, extra_headers)

        if self.tokens is None:
            return send(None)
        token = self.tokens.token()
        response = send(token)
        if response.status_code == 401:
            response = send(self.tokens.refresh(token))
        return response

    def _send(
        self,
        path: str,
        content: bytes | None,
        token: str | None,
        query: Mapping[str, Any] | None = None,
        content_type: str = JSON_TYPE,
        extra_headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """POST `content` (of `content_type`), or GET with `query` when there is no content."""
        headers = dict(extra_headers or {})
        if content is not None:
            headers["Content-Type"] = content_type
        if token is not None:
            headers["Authorization"] = f"{self.auth_scheme} {token}"
        method = "GET" if content is None else "POST"
        import httpx

        try:
            if content is None:
                response = self.client.get(path, params=dict(query or {}), headers=headers)
            else:
                response = self.client.post(path, content=content, headers=headers)
        except httpx.TimeoutException as exc:
            raise Retryable(self._late(exc)) from None
        except httpx.TransportError as exc:
            raise transport_failure(exc, self.service, self.who) from None
        except ResponseTooLarge as exc:
            raise Refused(too_large(exc, self.service, self.who)) from None
        log.debug("%s %s: HTTP %s", method, path, response.status_code)
        return response

    def _late(self, exc: Exception) -> str:
        from kpiengine.connectors.bounded import DeadlineExceeded

        if isinstance(exc, DeadlineExceeded):
            return f"{self.service} did not answer {self.who} in time: {exc} (option deadline)"
        return f"{self.service} did not answer {self.who} in time"

"""HubSpot's error answers (crm-apis.md §3.5) as retries or sentences naming what to fix.

Every field of HubSpot's error body is optional: a proxy's HTML page or an empty 5xx is judged on
its HTTP status alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from kpiengine import Refused, Retryable, check_http
from kpiengine.connectors import Check, retry_later

if TYPE_CHECKING:
    import httpx

SERVICE = "HubSpot"
TEN_SECONDLY_WAIT = 10.0
"""The burst limit is a rolling ten-second window: waiting it out always frees the next call."""
SECONDLY_WAIT = 1.0
"""Search is limited per second."""
BUSY = frozenset({423, 477})
"""Locked, and HubSpot's "migration in progress": both pass, so they are retried."""


@dataclass(frozen=True)
class Context:
    """What an error message names: who asked, and the object type read."""

    who: str
    object: str


def _body(payload: Any) -> Mapping[str, Any]:
    return payload if isinstance(payload, Mapping) else {}


def _text(body: Mapping[str, Any], key: str) -> str:
    value = body.get(key)
    return value if isinstance(value, str) else ""


def _rate_limited(response: httpx.Response, body: Mapping[str, Any], c: Context) -> Exception:
    policy = _text(body, "policyName").upper()
    if policy == "DAILY":
        return Refused(
            f"{c.who}: HubSpot's daily API limit for this account is used up (429 DAILY); the "
            "run stops here — run it again after midnight in the HubSpot account's time zone"
        )
    secondly = policy == "SECONDLY" or "secondly limit" in _text(body, "message")
    wait = SECONDLY_WAIT if secondly else TEN_SECONDLY_WAIT
    return retry_later(response, f"HubSpot rate limit ({policy or 'HTTP 429'}) for {c.who}", wait)


def _unauthorised(body: Mapping[str, Any], c: Context) -> Refused:
    if _text(body, "category") == "EXPIRED_AUTHENTICATION":
        problem = "has expired"
    else:
        problem = "was refused"
    return Refused(
        f"{c.who}: HubSpot says the access token {problem} (HTTP 401) — create a new private "
        "app token and set the environment variable its access_token option names"
    )


def _forbidden(body: Mapping[str, Any], c: Context) -> Refused:
    context = _body(body.get("context"))
    scopes = context.get("missingScopes") or context.get("requiredScopes")
    if isinstance(scopes, list) and scopes:
        needed = ", ".join(str(s) for s in scopes)
        return Refused(
            f"{c.who}: the HubSpot private app lacks the scopes {needed} (HTTP 403) — add them "
            "under Settings → Integrations → Private apps → Scopes"
        )
    return Refused(f"{c.who}: HubSpot refused access (HTTP 403): {_text(body, 'message')}")


def _invalid(body: Mapping[str, Any], c: Context) -> Refused:
    message = _text(body, "message")
    if "object type" in message.lower():
        return Refused(
            f"{c.who}: HubSpot has no object type '{c.object}' ({message}) — check the option "
            "object (deals, or 0-3)"
        )
    return Refused(f"{c.who}: HubSpot refused the request as invalid: {message or 'HTTP 400'}")


def _not_found(body: Mapping[str, Any], c: Context) -> Refused:
    return Refused(
        f"{c.who}: HubSpot found nothing at this address (HTTP 404: "
        f"{_text(body, 'message') or 'not found'}) — check the options object and base_url"
    )


def checker(context: Context) -> Check:
    """The `JsonApi` check for HubSpot: rate limits and busy answers retried, the rest refused."""

    def check(response: httpx.Response, payload: Any) -> None:
        status, body = response.status_code, _body(payload)
        if status == 429:
            raise _rate_limited(response, body, context)
        if status in BUSY:
            raise Retryable(f"HubSpot is busy (HTTP {status}) for {context.who}")
        if status == 401:
            raise _unauthorised(body, context)
        if status == 403:
            raise _forbidden(body, context)
        if status == 400:
            raise _invalid(body, context)
        if status == 404:
            raise _not_found(body, context)
        check_http(response, context.who, SERVICE)

    return check

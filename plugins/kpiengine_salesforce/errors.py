"""Salesforce's answers as retries, or as sentences that name the option to fix.

The REST API answers a failure with a JSON array `[{"message", "errorCode", "fields"?}]`; the
token endpoint with HTTP 400 `{"error", "error_description"}`. 429 and 5xx are retried; the
org's daily API limit (REQUEST_LIMIT_EXCEEDED) stops the run at once — retrying cannot help
until the 24-hour window moves on, and every retry would spend more of the same limit.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from kpiengine import Refused, check_http
from kpiengine.connectors import Check

if TYPE_CHECKING:
    import httpx

SERVICE = "Salesforce"
MISSING_FIELD = re.compile(r"No such column '([^']+)'|relationship '([^']+)'")


@dataclass(frozen=True)
class Context:
    """What an error message names: who asked, which object, where each field came from."""

    who: str
    sobject: str
    api_version: str
    fields_option: str
    mapped: Mapping[str, str]
    """Lower-cased field path → the option or engine field it came from, for INVALID_FIELD."""
    where: str | None


def first_error(payload: Any) -> tuple[str, str]:
    """The errorCode and message of a REST error answer (a list of error objects)."""
    found = payload[0] if isinstance(payload, list) and payload else payload
    if not isinstance(found, Mapping):
        return "", ""
    return str(found.get("errorCode") or ""), str(found.get("message") or "")


def _explanation(message: str) -> str:
    """The sentence of a query error, without the echo of the query and the caret under it."""
    lines = [line.strip() for line in message.splitlines() if line.strip()]
    after = [i for i, line in enumerate(lines) if line.startswith("ERROR at Row")]
    kept = lines[after[-1] + 1 :] if after and after[-1] + 1 < len(lines) else lines[-1:]
    text = " ".join(kept)
    return text if len(text) <= 240 else text[:239] + "…"


def _daily_limit(code: str, message: str, c: Context) -> str:
    return (
        f"the Salesforce org's daily API request limit is spent ({code}: {message}); {c.who} "
        "stops here without retrying — run again once the limit frees up (it counts the last "
        "24 hours), or ask your Salesforce admin about the org's API limit"
    )


def _invalid_field(code: str, message: str, c: Context) -> str:
    match = MISSING_FIELD.search(message)
    field = next((g for g in match.groups() if g), "") if match else ""
    origin = c.mapped.get(field.lower()) if field else None
    said = _explanation(message)
    if origin is None and field and c.where and field.lower() in c.where.lower():
        origin = "the option where"
    if origin is None:
        return (
            f"Salesforce refused a field {c.who} asked {c.sobject} for ({code}: {said}) — check "
            f"{c.fields_option} and the option where"
        )
    return f"Salesforce {c.sobject} has no field '{field}' ({said}) — check {origin}"


def _malformed(code: str, message: str, c: Context) -> str:
    fix = "the option where" if c.where else c.fields_option
    said = _explanation(message)
    return f"Salesforce could not read the query of {c.who} ({code}: {said}) — check {fix}"


def _no_object(code: str, message: str, c: Context) -> str:
    return (
        f"Salesforce has no object '{c.sobject}' that {c.who}'s user may read ({code}: "
        f"{_explanation(message)}) — check the option object"
    )


def _timeout(code: str, message: str, c: Context) -> str:
    return (
        f"Salesforce gave up on the query of {c.who} as too slow ({code}) — narrow it with the "
        "option where, or run fewer periods at once"
    )


def _not_found(code: str, message: str, c: Context) -> str:
    return (
        f"Salesforce has no such REST resource for {c.who} ({code or 'HTTP 404'}: {message}) — "
        f"check the options api_version ('{c.api_version}') and instance_url"
    )


def _expired(code: str, message: str, c: Context) -> str:
    return (
        f"Salesforce refused the session of {c.who} even after signing in again ({code}: "
        f"{message}) — check the connected app's session and IP settings"
    )


def _other(code: str, message: str, c: Context) -> str:
    return f"Salesforce refused the request of {c.who} ({code}: {_explanation(message)})"


_REFUSALS: dict[str, Callable[[str, str, Context], str]] = {
    "REQUEST_LIMIT_EXCEEDED": _daily_limit,
    "INVALID_FIELD": _invalid_field,
    "MALFORMED_QUERY": _malformed,
    "INVALID_QUERY_FILTER_OPERATOR": _malformed,
    "INVALID_TYPE": _no_object,
    "QUERY_TIMEOUT": _timeout,
    "NOT_FOUND": _not_found,
    "INVALID_SESSION_ID": _expired,
}


def checker(context: Context) -> Check:
    """The `JsonApi` check of REST calls: 429/5xx retried, every other failure a sentence."""

    def check(response: httpx.Response, payload: Any) -> None:
        status = response.status_code
        if status < 300 or status == 429 or status >= 500:
            check_http(response, context.who, SERVICE)
            return
        code, message = first_error(payload)
        if status == 404 and not code:
            code = "NOT_FOUND"
        if not code:
            check_http(response, context.who, SERVICE)
            return
        refusal = _REFUSALS.get(code, _other)
        raise Refused(refusal(code, message, context))

    return check


def token_checker(who: str, flow: str) -> Check:
    """The `JsonApi` check of the token endpoint: HTTP 400 `{error, error_description}`."""

    def check(response: httpx.Response, payload: Any) -> None:
        status = response.status_code
        if status < 300 or status == 429 or status >= 500 or not isinstance(payload, Mapping):
            check_http(response, who, SERVICE)
            return
        error = str(payload.get("error") or f"HTTP {status}")
        said = str(payload.get("error_description") or "")
        raise Refused(f"Salesforce refused to sign in {who} ({error}: {said}) — check {_fix(flow)}")

    return check


def _fix(flow: str) -> str:
    if flow == "jwt":
        return (
            "client_id, username and private_key_file, that the connected app holds the key's "
            "certificate and is pre-approved for the user, and login_url (production or sandbox)"
        )
    return (
        "client_id and client_secret (the environment variables they name), instance_url, and "
        "that the app enables the client-credentials flow with a Run As user"
    )

"""Zoho CRM's answers as success, a retry, or a sentence that names what to fix.

API errors are `{"code", "details", "message", "status": "error"}` with an HTTP 4xx/5xx status
(crm-apis.md §4.5). `TOO_MANY_REQUESTS` (429) means the concurrency limit or the org's credits
for the last 24 hours: it is waited out and retried, unless `X-API-CREDITS-REMAINING: 0` says the
credits are spent, which no wait within a run can fix. The accounts server answers token errors
with HTTP 200 and `{"error": …}` (§4.1), so the `error` key is checked whatever the status.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from kpiengine import Refused, check_http
from kpiengine.connectors import Check, retry_later

if TYPE_CHECKING:
    import httpx

SERVICE = "Zoho CRM"
ACCOUNTS = "Zoho accounts"
CREDITS_HEADER = "X-API-CREDITS-REMAINING"
SCOPES = (
    "ZohoCRM.modules.deals.READ (or ZohoCRM.modules.ALL), ZohoCRM.users.READ, ZohoCRM.coql.READ"
)


@dataclass(frozen=True)
class Context:
    """What an error message names: who asked, the source id, the module."""

    who: str
    source_id: str
    module: str


@dataclass(frozen=True)
class ApiError:
    code: str
    message: str
    details: Mapping[str, Any]

    def described(self) -> str:
        """`INVALID_DATA: invalid data (api_name: Foo)`."""
        shown = ", ".join(f"{k}: {v}" for k, v in self.details.items() if _plain(v))
        return f"{self.code}: {self.message}" + (f" ({shown})" if shown else "")


def _plain(value: Any) -> bool:
    return isinstance(value, str | int) and not isinstance(value, bool)


def api_error(payload: Any) -> ApiError | None:
    """The `{code, message, details}` of an error body; None when it is not one."""
    if not isinstance(payload, Mapping) or not isinstance(payload.get("code"), str):
        return None
    details = payload.get("details")
    return ApiError(
        payload["code"],
        str(payload.get("message") or ""),
        details if isinstance(details, Mapping) else {},
    )


def _credits_spent(response: httpx.Response) -> bool:
    remaining = str(response.headers.get(CREDITS_HEADER, ""))
    return remaining.strip() == "0"


def _spent(c: Context) -> str:
    return (
        f"{c.who}: your Zoho CRM org has used up its API credits for the last 24 hours "
        "(TOO_MANY_REQUESTS, no credits remaining); run again once they renew, or ask your "
        "Zoho administrator for more"
    )


def _auth(e: ApiError, c: Context) -> str:
    return (
        f"{SERVICE} refused the access token issued for {c.who} ({e.described()}) — check "
        "that accounts_url is your org's data centre (.com, .eu, .in, .com.au, .com.cn, .jp)"
    )


def _scope(e: ApiError, c: Context) -> str:
    return (
        f"the Zoho refresh token of {c.who} lacks a scope this needs ({e.code}) — make a new "
        f"one with the scopes {SCOPES}"
    )


def _permission(e: ApiError, c: Context) -> str:
    return (
        f"the Zoho user behind the refresh token of {c.who} may not read the module "
        f"'{c.module}' ({e.described()}) — ask your Zoho administrator for access"
    )


def _module(e: ApiError, c: Context) -> str:
    return (
        f"{SERVICE} has no module '{c.module}' ({e.code}) — check the option module of "
        f"{c.who} (an API name such as Deals)"
    )


def _address(e: ApiError, c: Context) -> str:
    return (
        f"{SERVICE} does not know the address {c.who} asked for ({e.described()}) — check "
        "its options module and api_version"
    )


def _expired(e: ApiError, c: Context) -> str:
    return (
        f"{c.who}: Zoho's page token expired while the records were being read ({e.code}); "
        "run again"
    )


def _too_many(e: ApiError, c: Context) -> str:
    return (
        f"{c.who}: {SERVICE} lists at most 100,000 records in one go ({e.code}) — run "
        "shorter periods, or ask for a narrower module"
    )


def _other(e: ApiError, c: Context) -> str:
    return (
        f"{SERVICE} refused the request of {c.who} ({e.described()}) — check the Zoho field "
        f"API names in sources.{c.source_id}.fields and the option module"
    )


_REFUSALS: dict[str, Callable[[ApiError, Context], str]] = {
    "INVALID_TOKEN": _auth,
    "AUTHENTICATION_FAILURE": _auth,
    "OAUTH_SCOPE_MISMATCH": _scope,
    "NO_PERMISSION": _permission,
    "NOT_SUPPORTED": _permission,
    "INVALID_MODULE": _module,
    "INVALID_URL_PATTERN": _address,
    "NOT_FOUND": _address,
    "EXPIRED_VALUE": _expired,
    "PAGINATION_LIMIT_EXCEEDED": _too_many,
}


def checker(context: Context) -> Check:
    """The `JsonApi` check for the CRM API: 429 and 5xx retried, other errors refused."""

    def check(response: httpx.Response, payload: Any) -> None:
        status = response.status_code
        if 200 <= status < 300:
            return
        error = api_error(payload)
        if status == 429 or (error is not None and error.code == "TOO_MANY_REQUESTS"):
            if _credits_spent(response):
                raise Refused(_spent(context))
            raise retry_later(
                response,
                f"{SERVICE} answered TOO_MANY_REQUESTS to {context.who} (too many calls at once, "
                "or the org's API credits for the last 24 hours are spent)",
            )
        if error is not None and status < 500:
            raise Refused(_REFUSALS.get(error.code, _other)(error, context))
        check_http(response, context.who, SERVICE)

    return check


_TOKEN_REFUSALS = {
    "invalid_code": "the Zoho refresh token of {who} was refused (invalid_code: it is wrong, "
    "revoked, or from another data centre) — check ZOHO_REFRESH_TOKEN and accounts_url",
    "invalid_client": "Zoho does not know the client id of {who} (invalid_client) — check the "
    "client_id option and accounts_url",
    "invalid_client_secret": "Zoho refused the client secret of {who} (invalid_client_secret) — "
    "check the client_secret option",
}


def _token_refusal(error: str, description: str, who: str) -> str:
    if error in _TOKEN_REFUSALS:
        return _TOKEN_REFUSALS[error].format(who=who)
    if "too many requests" in description.lower() or error.lower() == "access denied":
        return (
            f"Zoho accounts refused a new access token for {who}: too many were asked for "
            "(at most 10 per refresh token in 10 minutes) — wait 10 minutes and run again"
        )
    shown = f"{error}: {description}" if description else error
    return f"Zoho accounts refused an access token for {who} ({shown})"


def token_checker(who: str) -> Check:
    """The `JsonApi` check for the accounts server's token endpoint."""

    def check(response: httpx.Response, payload: Any) -> None:
        error = payload.get("error") if isinstance(payload, Mapping) else None
        if error is not None and response.status_code < 500 and response.status_code != 429:
            description = str(payload.get("error_description") or "")
            raise Refused(_token_refusal(str(error), description, who))
        if response.status_code in (400, 401, 403, 404):
            raise Refused(
                f"Zoho accounts answered HTTP {response.status_code} to {who}'s token request "
                "— check accounts_url"
            )
        check_http(response, who, ACCOUNTS)

    return check

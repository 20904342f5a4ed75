"""Jiandaoyun's error codes (HTTP 400 `{code, msg}`) as retries or sentences naming what to fix."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from kpiengine import Refused, check_http
from kpiengine.connectors import Check, retry_later

if TYPE_CHECKING:
    import httpx

SERVICE = "Jiandaoyun"
RATE_LIMITED = frozenset({8303, 8304})
KEY_REJECTED = frozenset({8301, 17018})
NOT_ALLOWED = frozenset({8302, 17053, 17054})


@dataclass(frozen=True)
class Context:
    """What an error message names: who asked, the form, and the option behind any filter."""

    who: str
    app_id: str
    entry_id: str
    filter_option: str


def _refusal(code: int, msg: str, c: Context) -> str:
    if code in KEY_REJECTED:
        return (
            f"the Jiandaoyun API key for {c.who} was rejected (code {code}) — check the "
            "environment variable that its api_key option names"
        )
    if code in NOT_ALLOWED:
        return (
            f"the Jiandaoyun API key for {c.who} may not use app '{c.app_id}' or this API "
            f"(code {code}) — grant it in 开放平台 → 密钥管理"
        )
    return _FORM.get(code, _other)(code, msg, c)


def _no_app(code: int, msg: str, c: Context) -> str:
    return f"Jiandaoyun has no app '{c.app_id}' (code {code}) — check the option app_id of {c.who}"


def _no_form(code: int, msg: str, c: Context) -> str:
    return (
        f"Jiandaoyun has no form '{c.entry_id}' in app '{c.app_id}' (code {code}) — check the "
        f"option entry_id of {c.who}"
    )


def _bad_filter(code: int, msg: str, c: Context) -> str:
    return (
        f"Jiandaoyun refused the filter of {c.who} as invalid (code {code}: {msg}) — check the "
        f"option {c.filter_option}"
    )


def _quota(code: int, msg: str, c: Context) -> str:
    return (
        f"your Jiandaoyun team's data quota is used up (code {code}: {msg}); {c.who} stops "
        "here — run again once the quota renews"
    )


def _whitelist(code: int, msg: str, c: Context) -> str:
    return (
        f"Jiandaoyun refused {c.who}: this computer's address is not in the API key's IP "
        f"whitelist (code {code})"
    )


def _other(code: int, msg: str, c: Context) -> str:
    return f"Jiandaoyun refused the request of {c.who} (code {code}: {msg})"


_FORM = {2004: _no_app, 3000: _no_form, 4815: _bad_filter, 7212: _quota, 17052: _whitelist}


def _code(payload: Any) -> tuple[int, str] | None:
    if not isinstance(payload, Mapping) or "code" not in payload:
        return None
    try:
        return int(payload["code"]), str(payload.get("msg") or "")
    except (TypeError, ValueError):
        return None


def checker(context: Context) -> Check:
    """The `JsonApi` check for Jiandaoyun: rate-limit codes retried, other codes refused."""

    def check(response: httpx.Response, payload: Any) -> None:
        found = _code(payload) if response.status_code == 400 else None
        if found is not None:
            code, msg = found
            if code in RATE_LIMITED:
                raise retry_later(
                    response, f"Jiandaoyun rate limit (code {code}) for {context.who}"
                )
            raise Refused(_refusal(code, msg, context))
        check_http(response, context.who, SERVICE)

    return check

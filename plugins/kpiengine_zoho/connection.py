"""One Zoho CRM connection: the accounts server for tokens, then the API domain it names."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from kpiengine import JsonApi, RetryPolicy, TokenHolder
from kpiengine.connectors import Caller
from kpiengine_zoho.auth import AccessTokens
from kpiengine_zoho.errors import ACCOUNTS, SERVICE, Context, checker, token_checker
from kpiengine_zoho.options import DEFAULT_ACCOUNTS_URL
from kpiengine_zoho.settings import Settings

RETRY = RetryPolicy(attempts=6, base_delay=2.0, max_delay=30.0, max_total=120.0)
"""Zoho documents no Retry-After: TOO_MANY_REQUESTS (the concurrency limit) is waited out with a
backoff from 2 s, and a run gives up after two minutes of waiting."""
AUTH_SCHEME = "Zoho-oauthtoken"


@dataclass(frozen=True)
class Crm:
    """The CRM API of one org, and the addresses of the module a source reads."""

    api: JsonApi
    settings: Settings

    @property
    def who(self) -> str:
        return self.api.who

    @property
    def base(self) -> str:
        return f"/crm/{self.settings.api_version}"

    @property
    def records_path(self) -> str:
        return f"{self.base}/{self.settings.module}"

    @property
    def deleted_path(self) -> str:
        return f"{self.records_path}/deleted"

    @property
    def coql_path(self) -> str:
        return f"{self.base}/coql"

    @property
    def users_path(self) -> str:
        return f"{self.base}/users"


def _accounts_url(options: Mapping[str, Any]) -> str:
    return str(options.get("accounts_url") or DEFAULT_ACCOUNTS_URL).strip().rstrip("/")


@contextmanager
def open_crm(
    options: Mapping[str, Any], settings: Settings, caller: Caller, source_id: str
) -> Iterator[Crm]:
    """A connection with a first access token already fetched; both clients closed on exit."""
    who = caller.who
    with caller.client(_accounts_url(options)) as accounts_client:
        accounts = caller.api(accounts_client, ACCOUNTS, check=token_checker(who))
        tokens = AccessTokens(accounts, options, caller.redactor)
        holder = TokenHolder(tokens.fetch)
        holder.token()
        assert tokens.api_domain is not None  # set by every successful fetch
        with caller.client(tokens.api_domain) as client:
            check = checker(Context(who, source_id, settings.module))
            api = caller.api(client, SERVICE, check=check, tokens=holder, auth_scheme=AUTH_SCHEME)
            yield Crm(api, settings)

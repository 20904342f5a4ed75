"""One Zoho CRM connection: the accounts server for tokens, then the API domain it names."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from kpiengine import JsonApi, Redactor, RetryPolicy, SourceError, TokenHolder, make_client
from kpiengine_zoho.auth import AccessTokens
from kpiengine_zoho.errors import ACCOUNTS, SERVICE, Context, checker, token_checker
from kpiengine_zoho.options import DEFAULT_ACCOUNTS_URL, DEFAULT_TIMEOUT
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
    options: Mapping[str, Any],
    settings: Settings,
    *,
    who: str,
    source_id: str,
    redactor: Redactor,
    policy: RetryPolicy,
) -> Iterator[Crm]:
    """A connection with a first access token already fetched; both clients closed on exit."""
    timeout = float(options.get("timeout", DEFAULT_TIMEOUT))
    with make_client(_accounts_url(options), timeout=timeout) as accounts_client:
        accounts = JsonApi(
            accounts_client,
            who=who,
            service=ACCOUNTS,
            error=SourceError,
            redactor=redactor,
            check=token_checker(who),
            policy=policy,
        )
        tokens = AccessTokens(accounts, options, redactor)
        holder = TokenHolder(tokens.fetch)
        holder.token()
        assert tokens.api_domain is not None  # set by every successful fetch
        with make_client(tokens.api_domain, timeout=timeout) as client:
            context = Context(who, source_id, settings.module)
            api = JsonApi(
                client,
                who=who,
                service=SERVICE,
                error=SourceError,
                redactor=redactor,
                check=checker(context),
                policy=policy,
                tokens=holder,
                auth_scheme=AUTH_SCHEME,
            )
            yield Crm(api, settings)

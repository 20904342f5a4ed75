"""One Salesforce connection: the settings the options make, signing in, the REST calls."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from kpiengine import JsonApi, Refused, RetryPolicy, TokenHolder
from kpiengine.connectors import Caller, option_zone
from kpiengine_salesforce import options as defaults
from kpiengine_salesforce.auth import Session, choose_flow
from kpiengine_salesforce.errors import SERVICE, Context, checker, token_checker
from kpiengine_salesforce.query import DATA_PATH, pages
from kpiengine_salesforce.where import check_where

RETRY = RetryPolicy(attempts=5, base_delay=1.0, max_delay=30.0, max_total=90.0)
"""Salesforce documents no rate to keep to, only a daily total: back off from 1 s on 429/5xx."""


@dataclass(frozen=True)
class Settings:
    """The options, checked without any network: what to read and how to read it."""

    who: str
    fields_option: str
    sobject: str
    api_version: str
    owner_key: str
    where: str | None
    currency: str | None
    zone: ZoneInfo


def settings_of(options: Mapping[str, Any], source_id: str) -> Settings:
    """The source's settings; Refused with a sentence when `where` or `timezone` is unusable."""
    who = f"source '{source_id}'"
    where = options.get("where")
    version = str(options.get("api_version") or defaults.DEFAULT_API_VERSION)
    return Settings(
        who=who,
        fields_option=f"sources.{source_id}.fields",
        sobject=str(options.get("object") or defaults.DEFAULT_OBJECT),
        api_version=version if version.startswith("v") else f"v{version}",
        owner_key=str(options.get("owner_key") or defaults.DEFAULT_OWNER_KEY),
        where=check_where(str(where), who) if where else None,
        currency=options.get("currency"),
        zone=option_zone(options, defaults.DEFAULT_TIMEZONE, who),
    )


@dataclass(frozen=True)
class Org:
    """A signed-in org: queries and object descriptions through the REST API."""

    api: JsonApi
    session: Session
    settings: Settings

    def pages(self, soql: str, *, deleted: bool = False) -> Iterator[list[Mapping[str, Any]]]:
        """The query's records a page at a time (see `query.pages`)."""
        return pages(self.api, self.session, self.settings.api_version, soql, deleted=deleted)

    def field_names(self) -> frozenset[str]:
        """The API names of the object's fields, lower-cased (from its describe)."""
        s = self.settings
        url = f"{self.session.instance_url}{DATA_PATH}{s.api_version}/sobjects/{s.sobject}/describe"
        payload = self.api.get(url)
        fields = payload.get("fields") if isinstance(payload, Mapping) else None
        if not isinstance(fields, list):
            raise Refused(f"{s.who}: Salesforce's description of {s.sobject} lists no fields")
        return frozenset(str(f.get("name", "")).lower() for f in fields if isinstance(f, Mapping))


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


@contextmanager
def open_org(
    options: Mapping[str, Any],
    settings: Settings,
    context: Context,
    *,
    caller: Caller,
    base_dir: Path,
) -> Iterator[Org]:
    """Sign in (the flow the options describe) and yield the org; the client closes on exit."""
    flow = choose_flow(options, base_dir, caller.who)
    with caller.client(_origin(flow.token_url)) as client:
        token_api = caller.api(client, SERVICE, check=token_checker(caller.who, flow.name))
        session = Session(token_api, flow, caller.redactor)
        tokens = TokenHolder(session.sign_in)
        api = caller.api(client, SERVICE, check=checker(context), tokens=tokens)
        tokens.token()  # sign in now: the answer names the org's address for every later call
        yield Org(api, session, settings)

"""The options of the hubspot source: a JSON Schema validated with the ruleset."""

from __future__ import annotations

from typing import Any

from kpiengine.connectors import DEADLINE_OPTION, MAX_RESPONSE_OPTION, TIMEOUT_OPTION

DEFAULT_BASE_URL = "https://api.hubapi.com"
DEFAULT_OBJECT = "deals"
DEFAULT_OWNER_KEY = "email"
DEFAULT_TIMEZONE = "UTC"
OWNER_KEYS = ["email", "name", "id"]

SOURCE_OPTIONS: dict[str, Any] = {
    "type": "object",
    "title": "hubspot source options",
    "description": "Read HubSpot CRM records (deals by default) through the CRM API v3. Engine "
    "fields: id, name, owner, amount, currency, stage (the stage's label), won, created_on, "
    "closed_on, modified_at; any other HubSpot property by its internal name through the "
    "source's `fields` mapping.",
    "properties": {
        "access_token": {
            "type": "string",
            "minLength": 1,
            "writeOnly": True,
            "title": "access token",
            "description": "A private app's access token (Settings → Integrations → Private "
            "apps) with the scopes crm.objects.deals.read, crm.objects.owners.read and "
            "crm.schemas.deals.read. Write it as ${HUBSPOT_TOKEN}, set that environment "
            "variable and allow it (KPIENGINE_ALLOW_ENV=HUBSPOT_TOKEN): the token never sits in "
            "the ruleset and is never printed.",
        },
        "base_url": {
            "type": "string",
            "pattern": "^https?://[^/]+",
            "patternErrorMessage": "a web address such as https://api.hubapi.com",
            "x-kpiengine": "web-address",
            "default": DEFAULT_BASE_URL,
            "title": "API address",
            "description": "HubSpot's API address; change it only for a proxy or a test server.",
        },
        "object": {
            "type": "string",
            "pattern": "^[A-Za-z0-9_-]+$",
            "patternErrorMessage": "an object type such as deals or 0-3",
            "default": DEFAULT_OBJECT,
            "title": "object type",
            "description": "The CRM object to read: deals (the default; also written 0-3) or "
            "another object type whose records carry deal-like properties.",
        },
        "pipeline": {
            "type": "string",
            "minLength": 1,
            "title": "pipeline",
            "description": "Read only the deals of this pipeline: its id (`default` for "
            "HubSpot's default pipeline, else the number in the pipeline's settings) or its "
            "label as HubSpot shows it.",
        },
        "owner_key": {
            "enum": OWNER_KEYS,
            "default": DEFAULT_OWNER_KEY,
            "title": "owner as",
            "description": "What the owner field holds: the owner's email (default), name "
            "(first and last name), or HubSpot owner id. Match it to your people list's id.",
        },
        "currency": {
            "type": "string",
            "pattern": "^[A-Z]{3}$",
            "patternErrorMessage": "a currency code such as CNY",
            "title": "account currency",
            "description": "The currency field of a deal without a deal_currency_code (an "
            "account with one currency). A multi-currency account gives each deal's own.",
        },
        "timezone": {
            "type": "string",
            "minLength": 1,
            "default": DEFAULT_TIMEZONE,
            "title": "time zone",
            "description": "HubSpot stores times in UTC; created_on, closed_on and other dates "
            "are the day in this time zone (default UTC). Set it to your HubSpot account's time "
            "zone, e.g. Asia/Shanghai, so a deal closed on 1 April morning is in April.",
        },
        "timeout": TIMEOUT_OPTION,
        "deadline": DEADLINE_OPTION,
        "max_response_mb": MAX_RESPONSE_OPTION,
    },
    "required": ["access_token"],
    "additionalProperties": False,
}

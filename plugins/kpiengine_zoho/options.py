"""The options of the zoho source: a JSON Schema validated with the ruleset."""

from __future__ import annotations

from typing import Any

from kpiengine.connectors import DEADLINE_OPTION, MAX_RESPONSE_OPTION, TIMEOUT_OPTION

DEFAULT_ACCOUNTS_URL = "https://accounts.zoho.com"
DEFAULT_MODULE = "Deals"
DEFAULT_API_VERSION = "v8"
DEFAULT_OWNER_KEY = "email"

SOURCE_OPTIONS: dict[str, Any] = {
    "type": "object",
    "title": "zoho source options",
    "description": "Read the deals (or the records of another module) of a Zoho CRM org "
    "through its REST API. Engine fields: id, name, owner, amount, currency, stage, won, "
    "created_on, closed_on, modified_at; any other Zoho field by its API name (Lead_Source, "
    "Region__c, …) through the source's `fields` mapping.",
    "properties": {
        "client_id": {
            "type": "string",
            "minLength": 1,
            "writeOnly": True,
            "title": "client id",
            "description": "The client id of a self client (or server-based client) made in "
            "the Zoho API console (api-console.zoho.com). Write it as ${ZOHO_CLIENT_ID}.",
        },
        "client_secret": {
            "type": "string",
            "minLength": 1,
            "writeOnly": True,
            "title": "client secret",
            "description": "That client's secret. Write it as ${ZOHO_CLIENT_SECRET}, set the "
            "environment variable and allow it (KPIENGINE_ALLOW_ENV=ZOHO_*): it never sits in the "
            "ruleset and is never printed.",
        },
        "refresh_token": {
            "type": "string",
            "minLength": 1,
            "writeOnly": True,
            "title": "refresh token",
            "description": "A refresh token with the scopes ZohoCRM.modules.deals.READ (or "
            "ZohoCRM.modules.ALL), ZohoCRM.users.READ and ZohoCRM.coql.READ. Write it as "
            "${ZOHO_REFRESH_TOKEN}.",
        },
        "accounts_url": {
            "type": "string",
            "pattern": "^https?://[^/]+/?$",
            "patternErrorMessage": "a web address such as https://accounts.zoho.eu",
            "x-kpiengine": "web-address",
            "default": DEFAULT_ACCOUNTS_URL,
            "title": "accounts server",
            "description": "The Zoho accounts server of your org's data centre: "
            "https://accounts.zoho.com (US, the default), .eu, .in, .com.au, .com.cn, .jp, "
            "https://accounts.zohocloud.ca, https://accounts.zoho.sa. The API address is the "
            "one this server names when it issues the access token.",
        },
        "module": {
            "type": "string",
            "pattern": "^[A-Za-z][A-Za-z0-9_]*$",
            "patternErrorMessage": "a module's API name such as Deals",
            "default": DEFAULT_MODULE,
            "title": "module",
            "description": "The module's API name (Deals unless you renamed it or use a custom "
            "module).",
        },
        "api_version": {
            "enum": ["v6", "v7", "v8"],
            "default": DEFAULT_API_VERSION,
            "title": "API version",
            "description": "The Zoho CRM REST API version (v8 unless your org needs an older one).",
        },
        "owner_key": {
            "enum": ["email", "name", "id"],
            "default": DEFAULT_OWNER_KEY,
            "title": "owner key",
            "description": "What the `owner` field holds: the owner's email (default), full "
            "name, or Zoho user id — whichever the subjects' ids are.",
        },
        "won_stages": {
            "type": "array",
            "items": {"type": "string", "minLength": 1},
            "minItems": 1,
            "uniqueItems": True,
            "title": "won stages",
            "description": "The stage labels that count as won. Without it a deal is won when "
            "its Probability is 100 % — what Zoho sets for stages of the Closed Won type.",
        },
        "timeout": TIMEOUT_OPTION,
        "deadline": DEADLINE_OPTION,
        "max_response_mb": MAX_RESPONSE_OPTION,
    },
    "required": ["client_id", "client_secret", "refresh_token"],
    "additionalProperties": False,
}

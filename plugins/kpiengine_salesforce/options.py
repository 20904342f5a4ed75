"""The options of the salesforce source: a JSON Schema validated with the ruleset."""

from __future__ import annotations

from typing import Any

from kpiengine.connectors import DEADLINE_OPTION, MAX_RESPONSE_OPTION, TIMEOUT_OPTION

DEFAULT_LOGIN_URL = "https://login.salesforce.com"
DEFAULT_API_VERSION = "v62.0"
DEFAULT_OBJECT = "Opportunity"
DEFAULT_OWNER_KEY = "email"
DEFAULT_TIMEZONE = "UTC"

WEB_ADDRESS = {
    "type": "string",
    "pattern": "^https?://[^/]+/?$",
    "patternErrorMessage": "a web address such as https://acme.my.salesforce.com",
    "x-kpiengine": "web-address",
}

SOURCE_OPTIONS: dict[str, Any] = {
    "type": "object",
    "title": "salesforce source options",
    "description": "Read the deals (Opportunity records, or another object's) of a Salesforce "
    "org through the REST API. Engine fields: id, name, owner, amount, currency, stage, won, "
    "created_on, closed_on, modified_at; any other field by its API name (Region__c, "
    "Account.Name) through the source's `fields` mapping. Sign in with client_id + "
    "client_secret (client-credentials flow) or client_id + username + private_key_file "
    "(JWT bearer flow). Only the run's period travels: records created or closed in it "
    "(CreatedDate, CloseDate — whichever dates the ruleset reads).",
    "properties": {
        "instance_url": {
            **WEB_ADDRESS,
            "title": "My Domain address",
            "description": "The org's own address (https://MyDomainName.my.salesforce.com). "
            "The client-credentials flow signs in there; with the JWT bearer flow it may be "
            "left out (Salesforce names it when you sign in).",
        },
        "client_id": {
            "type": "string",
            "minLength": 1,
            "writeOnly": True,
            "title": "consumer key",
            "description": "The consumer key of the connected app (or external client app). "
            "Write it as ${SF_CLIENT_ID}.",
        },
        "client_secret": {
            "type": "string",
            "minLength": 1,
            "writeOnly": True,
            "title": "consumer secret",
            "description": "The consumer secret, for the client-credentials flow (the app "
            "needs 'Enable Client Credentials Flow' and a Run As user). Write it as "
            "${SF_CLIENT_SECRET} and allow it (KPIENGINE_ALLOW_ENV=SF_*): it never sits in the "
            "ruleset and is never printed.",
        },
        "username": {
            "type": "string",
            "minLength": 1,
            "title": "username",
            "description": "The Salesforce user to act as, for the JWT bearer flow (the app "
            "must be pre-approved for this user).",
        },
        "private_key_file": {
            "type": "string",
            "minLength": 1,
            "x-kpiengine": "file-read",
            "title": "private key file",
            "description": "The PEM file (unencrypted) of the private key whose certificate is "
            "uploaded to the connected app, for the JWT bearer flow; a relative path is read "
            "from the ruleset's folder.",
        },
        "login_url": {
            **WEB_ADDRESS,
            "default": DEFAULT_LOGIN_URL,
            "title": "login address",
            "description": "Where the JWT bearer flow signs in: https://login.salesforce.com "
            "for production, https://test.salesforce.com for a sandbox (or the org's My Domain).",
        },
        "api_version": {
            "type": "string",
            "pattern": "^v?[0-9]{2,3}\\.[0-9]$",
            "patternErrorMessage": "a REST API version such as v62.0",
            "default": DEFAULT_API_VERSION,
            "title": "API version",
            "description": "The Salesforce REST API version to call, with or without the v "
            "(62.0 is v62.0). Keep the default unless your org needs another version.",
        },
        "object": {
            "type": "string",
            "pattern": "^[A-Za-z][A-Za-z0-9_]*$",
            "patternErrorMessage": "an object's API name such as Opportunity or Deal__c",
            "default": DEFAULT_OBJECT,
            "title": "object",
            "description": "The object whose records are the deals. Another object must have "
            "the fields the ruleset reads, or map them in `fields`.",
        },
        "where": {
            "type": "string",
            "minLength": 1,
            "title": "extra condition",
            "description": "A SOQL condition the records must also meet, appended to the "
            "query with AND, e.g. \"Type = 'New Business' AND IsClosed = true\". Without WHERE, "
            "ORDER BY or LIMIT.",
        },
        "owner_key": {
            "enum": ["email", "name", "id"],
            "default": DEFAULT_OWNER_KEY,
            "title": "owner key",
            "description": "What the owner field holds: the owner's email (default), name or "
            "user id (005…), as the subjects' ids are written.",
        },
        "currency": {
            "type": "string",
            "pattern": "^[A-Z]{3}$",
            "patternErrorMessage": "a currency code such as CNY",
            "title": "org currency",
            "description": "The currency of a single-currency org (which has no "
            "CurrencyIsoCode field), for the currency field. A multi-currency org gives each "
            "record's own currency.",
        },
        "timezone": {
            "type": "string",
            "minLength": 1,
            "default": DEFAULT_TIMEZONE,
            "title": "time zone",
            "description": "Salesforce stores times in UTC; created_on is the day in this time "
            "zone (e.g. Asia/Shanghai). closed_on (CloseDate) is a date already.",
        },
        "timeout": TIMEOUT_OPTION,
        "deadline": DEADLINE_OPTION,
        "max_response_mb": MAX_RESPONSE_OPTION,
    },
    "required": ["client_id"],
    "oneOf": [{"required": ["client_secret"]}, {"required": ["private_key_file"]}],
    "dependentRequired": {
        "client_secret": ["instance_url"],
        "private_key_file": ["username"],
        "username": ["private_key_file"],
    },
    "additionalProperties": False,
}

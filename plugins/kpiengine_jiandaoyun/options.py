"""The options of the jiandaoyun source and output: JSON Schemas validated with the ruleset."""

from __future__ import annotations

from typing import Any

from kpiengine.connectors import DEADLINE_OPTION, MAX_RESPONSE_OPTION, TIMEOUT_OPTION

DEFAULT_BASE_URL = "https://api.jiandaoyun.com"
DEFAULT_TIMEZONE = "Asia/Shanghai"
DEFAULT_KEY_FIELDS = ["subject", "period"]

CONNECTION: dict[str, Any] = {
    "base_url": {
        "type": "string",
        "pattern": "^https?://[^/]+",
        "patternErrorMessage": "a web address such as https://api.jiandaoyun.com",
        "x-kpiengine": "web-address",
        "default": DEFAULT_BASE_URL,
        "title": "API address",
        "description": "The Jiandaoyun open API; private deployments (独享版) have their own "
        "address. With or without a trailing /api.",
    },
    "api_key": {
        "type": "string",
        "minLength": 1,
        "writeOnly": True,
        "title": "API key",
        "description": "An API key from 开放平台 → 密钥管理. Write it as ${JDY_API_KEY}, set "
        "that environment variable and allow it (KPIENGINE_ALLOW_ENV=JDY_*): the key never sits "
        "in the ruleset and is never printed.",
    },
    "app_id": {
        "type": "string",
        "minLength": 1,
        "title": "app id",
        "description": "The app's id (应用 ID), as in the form's address.",
    },
    "entry_id": {
        "type": "string",
        "minLength": 1,
        "title": "form id",
        "description": "The form's id (表单 ID), as in the form's address.",
    },
    "timeout": TIMEOUT_OPTION,
    "deadline": DEADLINE_OPTION,
    "max_response_mb": MAX_RESPONSE_OPTION,
}

SOURCE_OPTIONS: dict[str, Any] = {
    "type": "object",
    "title": "jiandaoyun source options",
    "description": "Read the records of a Jiandaoyun (简道云) form. The source's `fields` mapping "
    "may name the form's fields by their Chinese labels (负责人, 金额, …) or by widget name "
    "(_widget_…). Member fields give the username, department fields the name, a subform its "
    "rows as JSON text.",
    "properties": {
        **CONNECTION,
        "date_field": {
            "type": "string",
            "minLength": 1,
            "title": "date field",
            "description": "A date field (label or widget name) to ask Jiandaoyun only for the "
            "records of the run's periods. Set it only when every rule reading this source "
            "dates its records by this field.",
        },
        "timezone": {
            "type": "string",
            "minLength": 1,
            "default": DEFAULT_TIMEZONE,
            "title": "time zone",
            "description": "Jiandaoyun stores times in UTC; a date is the day in this time zone "
            "(default Asia/Shanghai, so 2025-02-28T16:00:00Z is 2025-03-01).",
        },
    },
    "required": ["api_key", "app_id", "entry_id"],
    "additionalProperties": False,
}

OUTPUT_OPTIONS: dict[str, Any] = {
    "type": "object",
    "title": "jiandaoyun output options",
    "description": "Write each person's result for each period into a Jiandaoyun form; running "
    "the same period again updates those rows instead of adding new ones.",
    "properties": {
        **CONNECTION,
        "fields": {
            "type": "object",
            "minProperties": 1,
            "additionalProperties": {"type": "string", "minLength": 1},
            "title": "fields",
            "description": "Result key → the form field's label (or widget name). Keys: "
            "subject, name, period, total, grade, grade_name, payout, honors, feedback, "
            "warnings, <indicator>.actual|target|attainment|score, incentives.<id>, "
            "metrics.<id>, groups.<group>, ranks.<group>.",
        },
        "key_fields": {
            "type": "array",
            "items": {"type": "string", "minLength": 1},
            "minItems": 1,
            "uniqueItems": True,
            "default": DEFAULT_KEY_FIELDS,
            "title": "key fields",
            "description": "The result keys that identify a row already in the form, to "
            "update it on a re-run (default: subject and period). Each must be in `fields`.",
        },
    },
    "required": ["api_key", "app_id", "entry_id", "fields"],
    "additionalProperties": False,
}

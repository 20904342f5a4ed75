"""The connector toolkit: what every HTTP source or output needs, solved once.

- `make_client`: an httpx client with timeouts, a total deadline per request, a largest answer
  (`ResponseTooLarge` past it) and no surprise redirects.
- `with_retries` / `RetryPolicy`: exponential backoff with jitter on `Retryable` failures
  (429, 5xx, timeouts, vendor rate-limit codes), honouring `Retry-After`, bounded in time;
  `Refused` failures (bad credentials, exhausted quota) are never retried.
- `TokenBucket` / `RateLimiter`: stay under the vendor's documented limits.
- `TokenHolder`: an access token fetched on first use and refreshed once on HTTP 401.
- `Redactor`: secret option values kept out of messages, log records and tracebacks.
- `Progress`: records fetched, on stderr, only when stderr is a terminal.
- `JsonApi`: all of the above around one vendor's JSON API; `check_http` and `retry_later`, the
  verdicts a vendor's `check` falls back on.
- `Caller`: who calls (named in messages), the error the user sees, the redactor, the retry policy
  and the limits (timeout, deadline, largest answer), shared by every `JsonApi` one source or
  output opens (`Caller.open`); `Caller.from_options` reads the limits from the options.
- `ApiSource`: the base of an API source: `who`, `redactor`, `guarded()` and `caller()` set up.
- `guarded`: a connector's entry point, with `Refused`, exhausted retries and network failures
  turned into its SourceError or OutputError, secrets removed.
- `TIMEOUT_OPTION`, `DEADLINE_OPTION`, `MAX_RESPONSE_OPTION`, `option_timeout`,
  `option_deadline`, `option_max_response`, `option_zone`: the `timeout`, `deadline`,
  `max_response_mb` and `timezone` options.
- `parse_number` / `parse_integer`: vendors' numbers as exact decimals; `CRM_FIELDS`: the
  fields every CRM source offers.

A connector source subclasses `ApiSource`, opens its `JsonApi` in `fetch` (never in `__init__` or
`fields`: validating a ruleset does no network I/O) from `self.caller()`, runs each entry point
inside `self.guarded()`, and turns vendor error codes into `Retryable` or `Refused` in its `check`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kpiengine.connectors.api import (
        Check,
        JsonApi,
        check_http,
        decode_json,
        encode_json,
        retry_later,
    )
    from kpiengine.connectors.api_source import ApiSource
    from kpiengine.connectors.caller import Caller, VendorParts
    from kpiengine.connectors.client import DEFAULT_TIMEOUT, make_client
    from kpiengine.connectors.failures import Refused, Retryable
    from kpiengine.connectors.guard import guarded
    from kpiengine.connectors.limits import (
        DEFAULT_DEADLINE,
        DEFAULT_MAX_RESPONSE_BYTES,
        ResponseTooLarge,
    )
    from kpiengine.connectors.options import (
        DEADLINE_OPTION,
        MAX_RESPONSE_OPTION,
        TIMEOUT_OPTION,
        option_deadline,
        option_max_response,
        option_timeout,
        option_zone,
    )
    from kpiengine.connectors.progress import Progress
    from kpiengine.connectors.ratelimit import RateLimiter, TokenBucket
    from kpiengine.connectors.redact import Redactor, secret_option_names
    from kpiengine.connectors.retry import (
        RetriesExhausted,
        RetryPolicy,
        retry_after_seconds,
        with_retries,
    )
    from kpiengine.connectors.tokens import TokenHolder
    from kpiengine.connectors.values import (
        ARROW_TYPES,
        CRM_FIELDS,
        parse_integer,
        parse_number,
        time_zone,
    )

_WHERE: dict[str, str] = {
    "ARROW_TYPES": "kpiengine.connectors.values",
    "ApiSource": "kpiengine.connectors.api_source",
    "CRM_FIELDS": "kpiengine.connectors.values",
    "Caller": "kpiengine.connectors.caller",
    "Check": "kpiengine.connectors.api",
    "DEADLINE_OPTION": "kpiengine.connectors.options",
    "DEFAULT_DEADLINE": "kpiengine.connectors.limits",
    "DEFAULT_MAX_RESPONSE_BYTES": "kpiengine.connectors.limits",
    "DEFAULT_TIMEOUT": "kpiengine.connectors.client",
    "JsonApi": "kpiengine.connectors.api",
    "MAX_RESPONSE_OPTION": "kpiengine.connectors.options",
    "Progress": "kpiengine.connectors.progress",
    "RateLimiter": "kpiengine.connectors.ratelimit",
    "Redactor": "kpiengine.connectors.redact",
    "Refused": "kpiengine.connectors.failures",
    "ResponseTooLarge": "kpiengine.connectors.limits",
    "RetriesExhausted": "kpiengine.connectors.retry",
    "RetryPolicy": "kpiengine.connectors.retry",
    "Retryable": "kpiengine.connectors.failures",
    "TIMEOUT_OPTION": "kpiengine.connectors.options",
    "TokenBucket": "kpiengine.connectors.ratelimit",
    "TokenHolder": "kpiengine.connectors.tokens",
    "VendorParts": "kpiengine.connectors.caller",
    "check_http": "kpiengine.connectors.api",
    "decode_json": "kpiengine.connectors.api",
    "encode_json": "kpiengine.connectors.api",
    "guarded": "kpiengine.connectors.guard",
    "make_client": "kpiengine.connectors.client",
    "option_deadline": "kpiengine.connectors.options",
    "option_max_response": "kpiengine.connectors.options",
    "option_timeout": "kpiengine.connectors.options",
    "option_zone": "kpiengine.connectors.options",
    "parse_integer": "kpiengine.connectors.values",
    "parse_number": "kpiengine.connectors.values",
    "retry_after_seconds": "kpiengine.connectors.retry",
    "retry_later": "kpiengine.connectors.api",
    "secret_option_names": "kpiengine.connectors.redact",
    "time_zone": "kpiengine.connectors.values",
    "with_retries": "kpiengine.connectors.retry",
}
"""Each name imported on first use (PEP 562), and the module it lives in."""


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'kpiengine.connectors' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


__all__ = [
    "ARROW_TYPES",
    "CRM_FIELDS",
    "DEADLINE_OPTION",
    "DEFAULT_DEADLINE",
    "DEFAULT_MAX_RESPONSE_BYTES",
    "DEFAULT_TIMEOUT",
    "MAX_RESPONSE_OPTION",
    "TIMEOUT_OPTION",
    "ApiSource",
    "Caller",
    "Check",
    "JsonApi",
    "Progress",
    "RateLimiter",
    "Redactor",
    "Refused",
    "ResponseTooLarge",
    "RetriesExhausted",
    "RetryPolicy",
    "Retryable",
    "TokenBucket",
    "TokenHolder",
    "VendorParts",
    "check_http",
    "decode_json",
    "encode_json",
    "guarded",
    "make_client",
    "option_deadline",
    "option_max_response",
    "option_timeout",
    "option_zone",
    "parse_integer",
    "parse_number",
    "retry_after_seconds",
    "retry_later",
    "secret_option_names",
    "time_zone",
    "with_retries",
]

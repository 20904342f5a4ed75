"""Who calls a vendor's API and how its failures reach the user: what every `JsonApi` of one
source or output shares, set once so that opening an API names only the vendor's parts."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypedDict, Unpack

from kpiengine.connectors.api import Check, JsonApi
from kpiengine.connectors.client import DEFAULT_TIMEOUT, make_client
from kpiengine.connectors.limits import DEFAULT_DEADLINE, DEFAULT_MAX_RESPONSE_BYTES
from kpiengine.connectors.options import option_deadline, option_max_response, option_timeout
from kpiengine.connectors.ratelimit import RateLimiter
from kpiengine.connectors.redact import Redactor
from kpiengine.connectors.retry import RetryPolicy
from kpiengine.connectors.tokens import TokenHolder
from kpiengine.errors import KpiEngineError

if TYPE_CHECKING:  # httpx loads when a connector makes a client, not at start-up
    import httpx


class VendorParts(TypedDict, total=False):
    """What differs between one vendor API and the next (see `JsonApi`)."""

    check: Check
    limiter: RateLimiter
    tokens: TokenHolder
    auth_scheme: str


@dataclass(frozen=True)
class Caller:
    """One source or output as the caller of vendor APIs.

    `who` names it in messages ("source 'deals'"), `error` is the exception the user sees
    (SourceError or OutputError), `redactor` masks its secrets, `policy` retries transient
    failures, `timeout` bounds each wait for an answer, `deadline` each request as a whole and
    `max_response_bytes` each answer's size. A connector's `open_…` function adds the vendor's
    parts: its address, its name, its `check`, rate limits and tokens.
    """

    who: str
    error: Callable[[str], KpiEngineError]
    redactor: Redactor
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    timeout: float = DEFAULT_TIMEOUT
    deadline: float = DEFAULT_DEADLINE
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES

    @classmethod
    def from_options(
        cls,
        who: str,
        error: Callable[[str], KpiEngineError],
        redactor: Redactor,
        policy: RetryPolicy,
        options: Mapping[str, Any],
        *,
        timeout: float = DEFAULT_TIMEOUT,
        deadline: float = DEFAULT_DEADLINE,
    ) -> Caller:
        """A caller with the `timeout`, `deadline` and `max_response_mb` the options set, the
        given defaults where they set none."""
        return cls(
            who,
            error,
            redactor,
            policy,
            option_timeout(options, timeout),
            option_deadline(options, deadline),
            option_max_response(options),
        )

    def client(self, base_url: str) -> httpx.Client:
        """An httpx client for `base_url` with this caller's limits; close it when done."""
        return make_client(
            base_url,
            timeout=self.timeout,
            deadline=self.deadline,
            max_response_bytes=self.max_response_bytes,
        )

    def api(self, client: httpx.Client, service: str, **parts: Unpack[VendorParts]) -> JsonApi:
        """A `JsonApi` on `client` for the vendor `service` ("HubSpot"), with `parts`."""
        return JsonApi(
            client,
            who=self.who,
            service=service,
            error=self.error,
            redactor=self.redactor,
            policy=self.policy,
            **parts,
        )

    @contextmanager
    def open(self, base_url: str, service: str, **parts: Unpack[VendorParts]) -> Iterator[JsonApi]:
        """A `JsonApi` on a client of its own for `base_url`; the client is closed on exit."""
        with self.client(base_url) as client:
            yield self.api(client, service, **parts)

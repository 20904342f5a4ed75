"""A local HubSpot CRM API v3 for tests: a real HTTP server on 127.0.0.1.

It follows the documented contract (../shared/reference/crm-apis.md §3): `Authorization: Bearer`,
every property value a string, search (`POST /crm/v3/objects/{object}/search`) with filter groups
OR'ed and filters AND'ed, one ascending/descending sort, `limit` up to 200 and `after` as an
offset string, **HTTP 400 past 10,000 results of one query**, archived records never searched;
list endpoints (objects, owners) paged by an opaque `after` with `paging.next` absent on the last
page; pipelines with stage metadata; properties; HubSpot's error body (`status`, `message`,
`correlationId`, `category`, `policyName` on 429). Limits that the sources disagree on
(page sizes, filter counts, the cap) are attributes, so tests can set either reading.
Faults are injected per request: a status with a body, a slow answer (a timeout), a
`Retry-After`, after letting `skip` requests through (mid-run).
"""

from __future__ import annotations

import base64
import contextlib
import itertools
import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import parse_qs, urlsplit

from loopback import LoopbackServer, ReplyingHandler, running

MAX_DELAY = 2.0
"""No injected delay sleeps longer than this: a test can never hang on the server."""
DEAL_OBJECTS = ("deals", "0-3")
"""Both names of the deals object are served (the spec moved from one to the other)."""
PROPERTY_TYPES = {
    "dealname": "string",
    "amount": "number",
    "closedate": "datetime",
    "createdate": "datetime",
    "hs_lastmodifieddate": "datetime",
    "dealstage": "enumeration",
    "pipeline": "enumeration",
    "hubspot_owner_id": "enumeration",
    "deal_currency_code": "enumeration",
    "hs_object_id": "number",
    "hs_is_closed_won": "bool",
    "region": "string",
    "contract_signed_on": "date",
    "first_meeting_on": "date",
    "renewal_on": "date",
    "is_renewal": "bool",
    "seats": "number",
}
DEFAULT_PROPERTIES = [
    "dealname",
    "amount",
    "closedate",
    "pipeline",
    "dealstage",
    "createdate",
    "hs_lastmodifieddate",
    "hs_object_id",
]
ALWAYS = ("createdate", "hs_lastmodifieddate", "hs_object_id")
"""Properties every record carries whether asked for or not."""
OPERATORS = {"EQ", "NEQ", "LT", "LTE", "GT", "GTE", "BETWEEN", "IN", "NOT_IN"}
OPERATORS |= {"HAS_PROPERTY", "NOT_HAS_PROPERTY"}

# -- the documented error bodies ---------------------------------------------------------------


def error_body(message: str, category: str, **extra: Any) -> dict[str, Any]:
    return {
        "status": "error",
        "message": message,
        "correlationId": str(uuid.uuid4()),
        "category": category,
        **extra,
    }


def rate_limit_body(policy: str) -> dict[str, Any]:
    """A 429 body as HubSpot sends it; the search limit says "secondly"."""
    words = {
        "TEN_SECONDLY_ROLLING": "ten_secondly_rolling",
        "SECONDLY": "secondly",
        "DAILY": "daily",
    }
    return error_body(
        f"You have reached your {words.get(policy, policy.lower())} limit.",
        "RATE_LIMITS",
        errorType="RATE_LIMIT",
        policyName=policy,
    )


EXPIRED = error_body(
    "The OAuth token used to make this call expired 2 minute(s) ago.", "EXPIRED_AUTHENTICATION"
)
INVALID_AUTH = error_body(
    "Authentication credentials not found. This API supports OAuth 2.0 authentication and you "
    "can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview",
    "INVALID_AUTHENTICATION",
)


class ApiError(Exception):
    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(body.get("message"))
        self.status = status
        self.body = body


def invalid(message: str) -> ApiError:
    return ApiError(400, error_body(message, "VALIDATION_ERROR"))


# -- state -------------------------------------------------------------------------------------


@dataclass
class Fault:
    """One injected answer for the next `times` requests whose path starts with `path`.

    The first `skip` matching requests pass untouched (a fault mid-run). `body`: a mapping is
    sent as JSON (in its strings `{auth}` becomes the request's Authorization header, as a
    careless server might echo), a string as text. `delay`: sleep first; with no `status`, then
    answer normally (longer than the client's timeout: a timeout).
    """

    path: str | None = None
    status: int | None = None
    body: Any = None
    delay: float = 0.0
    retry_after: str | None = None
    times: int = 1
    skip: int = 0


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, str]
    body: Any
    headers: dict[str, str]


def typed(kind: str, raw: Any) -> Any:
    """A property value as the search compares it: datetimes as epoch ms, numbers exact."""
    if raw is None or raw == "":
        return None
    text = str(raw)
    try:
        if kind in ("datetime", "date"):
            if text.lstrip("-").isdigit():
                return int(text)
            moment = datetime.fromisoformat(text)
            moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
            return int(moment.timestamp() * 1000)
        if kind == "number":
            return Decimal(text)
    except (ValueError, InvalidOperation):
        return text
    return text.lower() if kind in ("bool", "enumeration") else text


@dataclass
class MockRecord:
    id: str
    properties: dict[str, str | None]
    archived_at: str | None = None
    typed: dict[str, Any] = field(default_factory=dict)

    def retype(self, types: dict[str, str]) -> None:
        self.typed = {k: typed(types.get(k, "string"), v) for k, v in self.properties.items()}

    def shape(self, wanted: list[str], known: dict[str, str]) -> dict[str, Any]:
        names = [p for p in dict.fromkeys([*wanted, *ALWAYS]) if p in known]
        created = self.properties.get("createdate")
        shaped: dict[str, Any] = {
            "id": self.id,
            "properties": {p: self.properties.get(p) for p in names},
            "createdAt": created,
            "updatedAt": self.properties.get("hs_lastmodifieddate"),
            "archived": self.archived_at is not None,
        }
        if self.archived_at is not None:
            shaped["archivedAt"] = self.archived_at
        return shaped


class HubSpotMock:
    """State of the mock API: deals, owners, pipelines, limits, faults, requests seen."""

    def __init__(self, token: str = "pat-na1-11111111-2222-3333-4444-555555555555") -> None:
        self.token = token
        self.records: dict[str, MockRecord] = {}
        self.owners: list[dict[str, Any]] = []
        self.archived_owners: list[dict[str, Any]] = []
        self.pipelines: list[dict[str, Any]] = []
        self.property_types = dict(PROPERTY_TYPES)
        self.faults: list[Fault] = []
        self.requests: list[Seen] = []
        self.lock = threading.Lock()
        self.ids = itertools.count(1001)
        self.url = ""
        self.expired = False
        self.missing_scopes: dict[str, list[str]] = {}
        """Path prefix → the scopes a 403 names for it."""
        self.search_cap = 10_000
        self.search_limit_max = 200
        self.list_limit_max = 100
        self.owners_limit_max = 500
        self.max_groups, self.max_group_filters, self.max_filters = 5, 6, 18
        self.max_body = 3000

    # -- set-up ------------------------------------------------------------------------------

    def add(self, **properties: Any) -> str:
        """A deal with these properties (values are sent as strings, as HubSpot does)."""
        record_id = str(properties.pop("id", None) or next(self.ids))
        props = {k: None if v is None else str(v) for k, v in properties.items()}
        props.setdefault("createdate", "2025-01-01T00:00:00.000Z")
        props.setdefault("hs_lastmodifieddate", props["createdate"])
        props["hs_object_id"] = record_id
        record = MockRecord(record_id, props)
        record.retype(self.property_types)
        with self.lock:
            self.records[record_id] = record
        return record_id

    def update(self, record_id: str, modified: str, **properties: Any) -> None:
        record = self.records[record_id]
        record.properties.update({k: None if v is None else str(v) for k, v in properties.items()})
        record.properties["hs_lastmodifieddate"] = modified
        record.retype(self.property_types)

    def archive(self, record_id: str, when: str) -> None:
        self.records[record_id].archived_at = when

    def inject(self, **kwargs: Any) -> Fault:
        fault = Fault(**kwargs)
        self.faults.append(fault)
        return fault

    def seen(self, prefix: str, method: str | None = None) -> list[Seen]:
        return [
            r
            for r in self.requests
            if r.path.startswith(prefix) and (method is None or r.method == method)
        ]

    def searches(self) -> list[Seen]:
        return [r for r in self.requests if r.path.endswith("/search")]

    # -- faults ------------------------------------------------------------------------------

    def take_fault(self, path: str) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.times <= 0 or not path.startswith(fault.path or ""):
                    continue
                if fault.skip > 0:
                    fault.skip -= 1
                    continue
                fault.times -= 1
                return fault
        return None

    # -- endpoints ---------------------------------------------------------------------------

    def route(self, method: str, path: str, query: dict[str, str], body: Any) -> Any:
        parts = path.strip("/").split("/")
        if parts[:2] != ["crm", "v3"] or len(parts) < 3:
            raise ApiError(404, error_body(f"Unknown path {path}", "OBJECT_NOT_FOUND"))
        for prefix, scopes in self.missing_scopes.items():
            if path.startswith(prefix):
                raise ApiError(
                    403,
                    error_body(
                        "This app hasn't been granted all required scopes to make this call.",
                        "MISSING_SCOPES",
                        context={"requiredScopes": scopes},
                    ),
                )
        rest = parts[2:]
        if method == "POST" and len(rest) == 3 and rest[0] == "objects" and rest[2] == "search":
            return self.search(self.object_of(rest[1]), body)
        if method == "GET" and len(rest) == 2 and rest[0] == "objects":
            return self.list_objects(self.object_of(rest[1]), query)
        if method == "GET" and rest == ["owners"]:
            return self.list_owners(query)
        if method == "GET" and len(rest) == 2 and rest[0] == "pipelines":
            self.object_of(rest[1])
            return {"results": self.pipelines}
        if method == "GET" and len(rest) == 2 and rest[0] == "properties":
            self.object_of(rest[1])
            return {"results": [self.describe(n, k) for n, k in self.property_types.items()]}
        raise ApiError(404, error_body(f"Unknown path {path}", "OBJECT_NOT_FOUND"))

    def object_of(self, name: str) -> str:
        if name not in DEAL_OBJECTS:
            raise invalid(f"Unable to infer object type from: {name}")
        return "deals"

    @staticmethod
    def describe(name: str, kind: str) -> dict[str, Any]:
        return {"name": name, "label": name.replace("_", " ").title(), "type": kind}

    def search(self, object_type: str, body: Any) -> dict[str, Any]:
        if not isinstance(body, dict):
            raise invalid("Invalid input JSON on line 1")
        if len(json.dumps(body)) > self.max_body:
            raise invalid(f"The request body is longer than {self.max_body} characters.")
        limit = self.limit_of(body.get("limit", 10), self.search_limit_max)
        after = self.offset_of(body.get("after"))
        if after >= self.search_cap or after + limit > self.search_cap:
            raise invalid(
                f"Search results are limited to {self.search_cap} per query: paging past them "
                f"(after={after}, limit={limit}) is not allowed."
            )
        test = self.compile_groups(body.get("filterGroups") or [])
        prop, descending = self.sort_of(body.get("sorts") or [])
        with self.lock:
            live = [r for r in self.records.values() if r.archived_at is None and test(r)]
        live.sort(key=lambda r: (r.id.zfill(20),))
        if prop is not None:
            present = [r for r in live if r.typed.get(prop) is not None]
            present.sort(key=lambda r: r.typed[prop], reverse=descending)
            live = present + [r for r in live if r.typed.get(prop) is None]
        wanted = body.get("properties") or DEFAULT_PROPERTIES
        page = [r.shape(wanted, self.property_types) for r in live[after : after + limit]]
        answer: dict[str, Any] = {"total": len(live), "results": page}
        if after + limit < len(live):
            answer["paging"] = {"next": {"after": str(after + limit)}}
        return answer

    def limit_of(self, raw: Any, most: int) -> int:
        try:
            limit = int(raw)
        except (TypeError, ValueError):
            raise invalid(f"limit '{raw}' is not a number") from None
        if not 1 <= limit <= most:
            raise invalid(f"limit must be between 1 and {most}, was {limit}")
        return limit

    @staticmethod
    def offset_of(raw: Any) -> int:
        text = "0" if raw is None or raw == "" else str(raw)
        if not text.isdigit():
            raise invalid(f"after '{raw}' is not a valid offset")
        return int(text)

    def sort_of(self, sorts: Any) -> tuple[str | None, bool]:
        if not isinstance(sorts, list) or len(sorts) > 1:
            raise invalid("Only one sort is allowed")
        if not sorts:
            return None, False
        first = sorts[0]
        if isinstance(first, str):  # the spec's array<string>: a name, "-name" descending
            return first.lstrip("-"), first.startswith("-")
        prop = first.get("propertyName")
        if prop not in self.property_types:
            raise invalid(f"Cannot sort on unknown property {prop}")
        return prop, first.get("direction", "ASCENDING") == "DESCENDING"

    def compile_groups(self, groups: Any) -> Any:
        if not isinstance(groups, list) or len(groups) > self.max_groups:
            raise invalid(f"At most {self.max_groups} filterGroups are allowed")
        tests, total = [], 0
        for group in groups:
            filters = group.get("filters") if isinstance(group, dict) else None
            if not isinstance(filters, list) or len(filters) > self.max_group_filters:
                raise invalid(f"At most {self.max_group_filters} filters are allowed per group")
            total += len(filters)
            tests.append([self.compile_filter(f) for f in filters])
        if total > self.max_filters:
            raise invalid(f"At most {self.max_filters} filters are allowed in all")
        if not tests:
            return lambda record: True
        return lambda record: any(all(t(record) for t in group) for group in tests)

    def compile_filter(self, spec: Any) -> Any:
        if not isinstance(spec, dict) or spec.get("operator") not in OPERATORS:
            raise invalid(f"Invalid filter {spec!r}")
        prop, operator = spec.get("propertyName"), spec["operator"]
        if prop not in self.property_types:
            raise invalid(f"There was a problem with the request: unknown property {prop}")
        kind = self.property_types[prop]
        want = typed(kind, spec.get("value"))
        high = typed(kind, spec.get("highValue"))
        many = [typed(kind, v) for v in spec.get("values") or []]
        compare = {
            "EQ": lambda v: v == want,
            "NEQ": lambda v: v != want,
            "LT": lambda v: v is not None and v < want,
            "LTE": lambda v: v is not None and v <= want,
            "GT": lambda v: v is not None and v > want,
            "GTE": lambda v: v is not None and v >= want,
            "BETWEEN": lambda v: v is not None and want <= v <= high,
            "IN": lambda v: v in many,
            "NOT_IN": lambda v: v not in many,
            "HAS_PROPERTY": lambda v: v is not None,
            "NOT_HAS_PROPERTY": lambda v: v is None,
        }[operator]
        return lambda record: compare(record.typed.get(prop))

    def list_objects(self, object_type: str, query: dict[str, str]) -> dict[str, Any]:
        limit = self.limit_of(query.get("limit", 10), self.list_limit_max)
        archived = query.get("archived", "false") == "true"
        wanted = [p for p in (query.get("properties") or "").split(",") if p]
        with self.lock:
            chosen = [r for r in self.records.values() if (r.archived_at is not None) == archived]
        chosen.sort(key=lambda r: r.id.zfill(20))
        shaped = [r.shape(wanted or DEFAULT_PROPERTIES, self.property_types) for r in chosen]
        return paged(shaped, query.get("after"), limit)

    def list_owners(self, query: dict[str, str]) -> dict[str, Any]:
        limit = self.limit_of(query.get("limit", 100), self.owners_limit_max)
        archived = query.get("archived", "false") == "true"
        return paged(self.archived_owners if archived else self.owners, query.get("after"), limit)


def cursor_of(offset: int) -> str:
    return base64.urlsafe_b64encode(f"{offset}\n".encode()).decode()


def paged(items: list[Any], after: str | None, limit: int) -> dict[str, Any]:
    """A list page with HubSpot's opaque cursor; no `paging` on the last page."""
    try:
        offset = int(base64.urlsafe_b64decode(after.encode()).decode()) if after else 0
    except ValueError:
        raise invalid(f"after '{after}' is not a valid cursor") from None
    answer: dict[str, Any] = {"results": items[offset : offset + limit]}
    if offset + limit < len(items):
        token = cursor_of(offset + limit)
        answer["paging"] = {"next": {"after": token, "link": f"?after={token}"}}
    return answer


# -- HTTP --------------------------------------------------------------------------------------


class Handler(ReplyingHandler):
    server: Any  # a LoopbackServer carrying this mock
    wbufsize = -1  # headers and body leave in one write: no delayed-ACK stall between them

    def do_GET(self) -> None:
        self.handle_request("GET")

    def do_POST(self) -> None:
        self.handle_request("POST")

    def handle_request(self, method: str) -> None:
        mock = self.server.mock
        url = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode("utf-8", "replace")
        with mock.lock:
            headers = {k.lower(): v for k, v in self.headers.items()}
            mock.requests.append(Seen(method, url.path, query, body, headers))
        fault = mock.take_fault(url.path)
        if fault is not None and self.inject(fault):
            return
        self.respond(mock, method, url.path, query, body)

    def inject(self, fault: Fault) -> bool:
        """Play the fault; True when it answered the request."""
        if fault.delay:
            time.sleep(min(fault.delay, MAX_DELAY))
        if fault.status is None:
            return False
        headers = {"Retry-After": fault.retry_after} if fault.retry_after else {}
        if isinstance(fault.body, dict):
            auth = self.headers.get("Authorization", "")
            text = json.dumps(fault.body).replace("{auth}", auth)
            self.reply(fault.status, text.encode(), "application/json", headers)
        else:
            self.reply(fault.status, str(fault.body or "").encode(), "text/html", headers)
        return True

    def respond(
        self, mock: HubSpotMock, method: str, path: str, query: dict[str, str], body: Any
    ) -> None:
        if self.headers.get("Authorization") != f"Bearer {mock.token}":
            self.json(401, INVALID_AUTH)
            return
        if mock.expired:
            self.json(401, EXPIRED)
            return
        try:
            self.json(200, mock.route(method, path, query, body))
        except ApiError as exc:
            self.json(exc.status, exc.body)

    def json(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        self.reply(status, json.dumps(payload).encode(), "application/json;charset=utf-8", headers)


@contextlib.contextmanager
def serving(mock: HubSpotMock | None = None):
    """Run the mock API on an ephemeral port for the block; yields the mock (`.url` set)."""
    mock = mock or HubSpotMock()
    server = LoopbackServer(Handler, mock=mock)
    mock.url = server.url
    with running(server):
        yield mock


# -- a sales team's HubSpot account ------------------------------------------------------------

OWNERS = [
    {"id": "41629779", "email": "zhang.san@example.com", "firstName": "San", "lastName": "Zhang"},
    {"id": "41629780", "email": "li.si@example.com", "firstName": "Si", "lastName": "Li"},
    {"id": "41629781", "email": "wang.wu@example.com", "firstName": "Wu", "lastName": "Wang"},
]
ARCHIVED_OWNERS = [
    {"id": "41629700", "email": "gone@example.com", "firstName": "Former", "lastName": "Rep"},
]
PIPELINES = [
    {
        "id": "default",
        "label": "Sales Pipeline",
        "displayOrder": 0,
        "archived": False,
        "stages": [
            {
                "id": "appointmentscheduled",
                "label": "Appointment Scheduled",
                "metadata": {"probability": "0.2", "isClosed": "false"},
            },
            {
                "id": "contractsent",
                "label": "Contract Sent",
                "metadata": {"probability": "0.9", "isClosed": "false"},
            },
            {
                "id": "closedwon",
                "label": "Closed Won",
                "metadata": {"probability": "1.0", "isClosed": "true"},
            },
            {
                "id": "closedlost",
                "label": "Closed Lost",
                "metadata": {"probability": "0.0", "isClosed": "true"},
            },
        ],
    },
    {
        "id": "75e28846-ad0d-4be2-a027-5e1da6590b98",
        "label": "渠道销售",
        "displayOrder": 1,
        "archived": False,
        "stages": [
            {"id": "9567448", "label": "谈判中", "metadata": {"probability": "0.5"}},
            {"id": "9567449", "label": "赢单", "metadata": {"probability": "1.0"}},
            {
                "id": "9567450",
                "label": "输单",
                "metadata": {"probability": "0.0", "isClosed": "true"},
            },
        ],
    },
]
CHANNEL = PIPELINES[1]["id"]
"""The second pipeline's id (its stages have numeric ids and Chinese labels)."""


def owner_id(email: str) -> str:
    return next(o["id"] for o in OWNERS + ARCHIVED_OWNERS if o["email"] == email)


def deal(
    mock: HubSpotMock,
    email: str | None,
    amount: Any,
    stage: str = "closedwon",
    closed: str | None = "2025-02-15T10:00:00.000Z",
    created: str = "2025-01-05T09:00:00.000Z",
    pipeline: str = "default",
    **more: Any,
) -> str:
    """A deal owned by the owner with `email`, as a HubSpot account would hold it."""
    return mock.add(
        dealname=more.pop("dealname", f"Deal {amount}"),
        amount=amount,
        dealstage=stage,
        pipeline=pipeline,
        closedate=closed,
        createdate=created,
        hubspot_owner_id=owner_id(email) if email else None,
        **more,
    )


def account(mock: HubSpotMock | None = None) -> HubSpotMock:
    """A mock with the owners and pipelines above."""
    mock = mock or HubSpotMock()
    mock.owners = [dict(o, type="PERSON", archived=False) for o in OWNERS]
    mock.archived_owners = [dict(o, type="PERSON", archived=True) for o in ARCHIVED_OWNERS]
    mock.pipelines = PIPELINES
    return mock


def quick_policy(sleeps: list[float] | None = None, attempts: int = 4) -> Any:
    """A retry policy for tests: the same logic, waits recorded instead of slept."""
    from kpiengine import RetryPolicy

    record = sleeps.append if sleeps is not None else (lambda seconds: None)
    return RetryPolicy(attempts=attempts, base_delay=1.0, max_delay=5.0, sleep=record)


UNLIMITED = {"read": 1e9, "search": 1e9}
"""Rate limits for tests: the limiter's own waits are tested in the toolkit."""

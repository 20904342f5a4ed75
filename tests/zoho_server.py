"""A local Zoho CRM for tests: the accounts server and the API domain, real HTTP on 127.0.0.1.

It follows the documented contract (../shared/reference/crm-apis.md §4):
- `POST /oauth/v2/token` (form body or query string), `grant_type=refresh_token`; token errors
  are HTTP 200 `{"error": …}`; the answer names `api_domain` — the second server.
- API calls need `Authorization: Zoho-oauthtoken <token>` (`Bearer` only with `accept_bearer`);
  a stale token is 401 INVALID_TOKEN. Errors are `{code, details, message, status: "error"}`.
- Get Records: `fields` required (≤ 50), `per_page` ≤ 200, `page` reaches only 2,000 records
  (DISCRETE_PAGINATION_LIMIT_EXCEEDED after), `page_token` from `info.next_page_token` (bound to
  the other parameters, not combinable with `page`, expiring), `If-Modified-Since`, sort, and
  HTTP 204 with no body when nothing matches.
- COQL (`select … from … where … order by … limit … offset …`): ≤ 2,000 rows a call, 100,000 in
  all, lookups as `{id}` only; users (`type=ActiveUsers|DeactiveUsers`); deleted records.
- Credits: each call costs 1 (COQL 1–3); `X-API-CREDITS-REMAINING` once half are used; when they
  are spent, 429 TOO_MANY_REQUESTS with that header at 0.
Faults are injected per request: an error code or status, a delay (a timeout), expired tokens.
[unconfirmed] choices, configurable where it matters: an unknown field in `fields` is 400
INVALID_DATA naming it; combining `page` and `page_token` is 400 INVALID_DATA.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import re
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit

from loopback import LoopbackServer, ReplyingHandler, json_number, running

MAX_DELAY = 2.0
"""No injected delay sleeps longer than this: a test can never hang on the server."""
PER_PAGE_MAX = 200
DISCRETE_LIMIT = 2000
COQL_LIMITS = {"v6": (200, 10_000), "v7": (2000, 100_000), "v8": (2000, 100_000)}
VERSIONS = ("v6", "v7", "v8")
SORTABLE = ("id", "Created_Time", "Modified_Time")
FIELD_TYPES = {
    "id": "id",
    "Deal_Name": "text",
    "Owner": "owner",
    "Amount": "number",
    "Currency": "text",
    "Stage": "text",
    "Probability": "number",
    "Closing_Date": "date",
    "Created_Time": "datetime",
    "Modified_Time": "datetime",
    "Lead_Source": "text",
    "Account_Name": "lookup",
    "Region__c": "text",
    "Contract_Date__c": "date",
}
"""The Deals module's fields (API name → kind) this mock knows."""
SCOPE = "ZohoCRM.modules.ALL,ZohoCRM.users.READ,ZohoCRM.coql.READ"
TOO_MANY = (
    "Number of API requests for the 24 hour period is exceeded or the concurrency limit of the "
    "user for the app is exceeded."
)


@dataclass
class Fault:
    """One injected failure, for `times` requests to `path` (any path if None) on `server`,
    after letting `skip` matching requests through.

    `code`: that error body with `status` (default 400); `status` alone: that status with the
    raw `body` (of content type `kind`); `delay`: sleep before answering (longer than the
    client's timeout: a timeout); `expire_tokens`: every live access token goes stale first
    (the request then fails with 401 INVALID_TOKEN as any would). In `message` and `body`,
    `{auth}` is replaced by the request's Authorization header and `{body}` by its body, as a
    careless server might echo.
    """

    path: str | None = None
    server: str = "api"
    code: str | None = None
    status: int | None = None
    message: str = "injected fault"
    body: str = ""
    kind: str = "text/html"
    delay: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)
    expire_tokens: bool = False
    times: int = 1
    skip: int = 0


@dataclass
class Seen:
    server: str
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any


@dataclass
class PageToken:
    binding: tuple[Any, ...]
    offset: int
    expired: bool = False


class ApiError(Exception):
    def __init__(
        self, status: int, code: str, message: str, details: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.details = status, code, message, details or {}

    def body(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "details": self.details,
            "message": self.message,
            "status": "error",
        }


class NoContent(Exception):
    """HTTP 204: nothing matched."""


def _time(value: str) -> datetime:
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _sort_key(name: str) -> Any:
    if name == "id":
        return lambda r: int(r["id"])
    return lambda r: _time(r[name]) if r.get(name) else datetime.min.replace(tzinfo=UTC)


class ZohoMock:
    """State of the mock: records, users, deletions, tokens, credits, faults, requests seen."""

    def __init__(
        self,
        client_id: str = "1000.TESTCLIENTID42",
        client_secret: str = "zoho-test-client-secret-0123456789",
        refresh_token: str = "1000.zoho-test-refresh-token.abcdef0123",
        *,
        accept_bearer: bool = False,
        credits: int | None = None,
        token_limit: int | None = None,
        record_cap: int = 100_000,
    ) -> None:
        self.client_id, self.client_secret, self.refresh_token = (
            client_id,
            client_secret,
            refresh_token,
        )
        self.accept_bearer = accept_bearer
        self.credits = credits
        self.credits_used = 0
        self.token_limit = token_limit
        self.record_cap = record_cap
        self.modules: dict[str, list[dict[str, Any]]] = {"Deals": []}
        self.deleted: dict[str, list[dict[str, Any]]] = {"Deals": []}
        self.users: list[dict[str, Any]] = []
        self.live_tokens: set[str] = set()
        self.issued: list[str] = []
        self.page_tokens: dict[str, PageToken] = {}
        self.faults: list[Fault] = []
        self.requests: list[Seen] = []
        self.lock = threading.RLock()
        self.counter = itertools.count(1)
        self.accounts_url = ""
        self.api_domain = ""

    # -- set-up ------------------------------------------------------------------------------

    def add_users(self, users: list[dict[str, Any]]) -> None:
        self.users.extend(users)

    def add_records(self, records: list[dict[str, Any]], module: str = "Deals") -> None:
        self.modules.setdefault(module, []).extend(records)

    def delete(self, record_id: str, when: str, module: str = "Deals") -> None:
        rows = self.modules[module]
        gone = next(r for r in rows if r["id"] == record_id)
        rows.remove(gone)
        self.deleted.setdefault(module, []).append(
            {
                "id": record_id,
                "display_name": gone.get("Deal_Name"),
                "type": "recycle",
                "deleted_by": {"name": "Admin", "id": "1"},
                "created_by": {"name": "Admin", "id": "1"},
                "deleted_time": when,
            }
        )

    def inject(self, **kwargs: Any) -> Fault:
        fault = Fault(**kwargs)
        self.faults.append(fault)
        return fault

    def expire_tokens(self) -> None:
        with self.lock:
            self.live_tokens.clear()

    def expire_page_tokens(self) -> None:
        with self.lock:
            for token in self.page_tokens.values():
                token.expired = True

    def seen(self, path: str, server: str = "api") -> list[Seen]:
        return [r for r in self.requests if r.path == path and r.server == server]

    # -- faults ------------------------------------------------------------------------------

    def take_fault(self, server: str, path: str) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.times <= 0 or fault.server != server or fault.path not in (None, path):
                    continue
                if fault.skip > 0:
                    fault.skip -= 1
                    continue
                fault.times -= 1
                return fault
        return None

    # -- accounts ----------------------------------------------------------------------------

    def grant(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        if form.get("grant_type") != "refresh_token":
            return 200, {"error": "unsupported_grant_type"}
        if form.get("client_id") != self.client_id:
            return 200, {"error": "invalid_client"}
        if form.get("client_secret") != self.client_secret:
            return 200, {"error": "invalid_client_secret"}
        if form.get("refresh_token") != self.refresh_token:
            return 200, {"error": "invalid_code"}
        if self.token_limit is not None and len(self.issued) >= self.token_limit:
            return 400, {
                "error_description": "You have made too many requests continuously. Please "
                "try again after some time.",
                "error": "Access Denied",
                "status": "failure",
            }
        token = f"1000.{next(self.counter):08x}access.{len(self.issued):04x}secret"
        self.issued.append(token)
        self.live_tokens.add(token)
        return 200, {
            "access_token": token,
            "scope": SCOPE,
            "api_domain": self.api_domain,
            "token_type": "Bearer",
            "expires_in": 3600,
        }

    # -- the API -----------------------------------------------------------------------------

    def authorise(self, header: str | None) -> None:
        if not header:
            raise ApiError(401, "AUTHENTICATION_FAILURE", "Authentication failed")
        scheme, _, token = header.partition(" ")
        schemes = ("Zoho-oauthtoken", "Bearer") if self.accept_bearer else ("Zoho-oauthtoken",)
        if scheme not in schemes:
            raise ApiError(401, "AUTHENTICATION_FAILURE", "Authentication failed")
        if token not in self.live_tokens:
            raise ApiError(401, "INVALID_TOKEN", "invalid oauth token")

    def charge(self, cost: int) -> dict[str, str]:
        """Spend credits; the headers to send (raises 429 when they are spent)."""
        if self.credits is None:
            return {}
        if self.credits_used + cost > self.credits:
            raise CreditsSpent(ApiError(429, "TOO_MANY_REQUESTS", TOO_MANY))
        self.credits_used += cost
        left = self.credits - self.credits_used
        return {"X-API-CREDITS-REMAINING": str(left)} if left < self.credits / 2 else {}

    def route(self, method: str, path: str) -> tuple[Any, int, str]:
        """The handler for an API path, its credit cost, and the module it reads."""
        parts = path.strip("/").split("/")
        if len(parts) < 3 or parts[0] != "crm" or parts[1] not in VERSIONS:
            raise ApiError(
                404,
                "INVALID_URL_PATTERN",
                "Please check if the URL trying to access is a correct one",
            )
        rest = parts[2:]
        if method == "POST" and rest == ["coql"]:
            return self.coql, 0, ""
        if method == "GET" and rest == ["users"]:
            return self.list_users, 1, ""
        if method == "GET" and len(rest) == 2 and rest[1] == "deleted":
            return self.list_deleted, 1, rest[0]
        if method == "GET" and len(rest) == 1:
            return self.get_records, 1, rest[0]
        raise ApiError(
            405, "INVALID_REQUEST_METHOD", "The http request method type is not a valid one"
        )

    def module_rows(self, module: str) -> list[dict[str, Any]]:
        if module not in self.modules:
            raise ApiError(400, "INVALID_MODULE", "the module name given seems to be invalid", {})
        return self.modules[module]

    def get_records(
        self, module: str, query: dict[str, str], headers: dict[str, str], version: str
    ) -> dict[str, Any]:
        rows = self.module_rows(module)
        names = self.field_list(query)
        per_page = int(query.get("per_page", PER_PAGE_MAX))
        if not 1 <= per_page <= PER_PAGE_MAX:
            raise ApiError(400, "INVALID_DATA", "invalid data", {"api_name": "per_page"})
        sort_by, order = query.get("sort_by", "id"), query.get("sort_order", "desc")
        if sort_by not in SORTABLE or order not in ("asc", "desc"):
            raise ApiError(400, "INVALID_DATA", "invalid data", {"api_name": "sort_by"})
        since = headers.get("if-modified-since")
        binding = (module, tuple(names), per_page, sort_by, order, since)
        offset, page = self.position(query, binding, per_page)
        if offset >= self.record_cap:
            raise ApiError(
                400,
                "PAGINATION_LIMIT_EXCEEDED",
                "pagination limit exceeded",
                {"limit": self.record_cap},
            )
        matching = [r for r in rows if not since or _time(r["Modified_Time"]) > _time(since)]
        matching.sort(key=_sort_key(sort_by), reverse=order == "desc")
        window = matching[offset : offset + per_page]
        if not window:
            raise NoContent
        more = offset + per_page < len(matching)
        next_token = self.new_page_token(binding, offset + per_page) if more else None
        info = {
            "call": False,
            "per_page": per_page,
            "count": len(window),
            "page": page,
            "sort_by": sort_by,
            "sort_order": order,
            "next_page_token": next_token,
            "previous_page_token": None,
            "page_token_expiry": (datetime.now(UTC) + timedelta(hours=24)).isoformat(),
            "email": False,
            "more_records": more,
        }
        return {"data": [self.project(r, names, full=True) for r in window], "info": info}

    def field_list(self, query: dict[str, str]) -> list[str]:
        if not query.get("fields"):
            raise ApiError(
                400,
                "REQUIRED_PARAM_MISSING",
                "One of the expected parameter is missing",
                {"param_name": "fields"},
            )
        names = query["fields"].split(",")
        if len(names) > 50:
            raise ApiError(
                400,
                "LIMIT_EXCEEDED",
                "the number of fields exceeds the limit",
                {"api_name": "fields", "limit": 50},
            )
        for name in names:
            if name not in FIELD_TYPES:
                raise ApiError(400, "INVALID_DATA", "invalid data", {"api_name": name})
        return names

    def position(
        self, query: dict[str, str], binding: tuple[Any, ...], per_page: int
    ) -> tuple[int, int]:
        token = query.get("page_token")
        if token is None:
            page = int(query.get("page", 1))
            if page < 1:
                raise ApiError(400, "INVALID_DATA", "invalid data", {"api_name": "page"})
            if page * per_page > DISCRETE_LIMIT:
                raise ApiError(
                    400,
                    "DISCRETE_PAGINATION_LIMIT_EXCEEDED",
                    "you cannot fetch more than 2000 records without page_token",
                    {"limit": DISCRETE_LIMIT},
                )
            return (page - 1) * per_page, page
        if "page" in query:
            raise ApiError(
                400,
                "INVALID_DATA",
                "page and page_token cannot be combined",
                {"api_name": "page_token"},
            )
        found = self.page_tokens.get(token)
        if found is None:
            raise ApiError(400, "INVALID_DATA", "invalid data", {"api_name": "page_token"})
        if found.binding != binding:
            raise ApiError(
                400,
                "TOKEN_BOUND_DATA_MISMATCH",
                "the page token is bound to other parameters",
                {"api_name": "page_token"},
            )
        if found.expired:
            raise ApiError(
                400, "EXPIRED_VALUE", "the page token has expired", {"api_name": "page_token"}
            )
        return found.offset, found.offset // per_page + 1

    def new_page_token(self, binding: tuple[Any, ...], offset: int) -> str:
        token = f"pt{next(self.counter):06d}x{offset}"
        self.page_tokens[token] = PageToken(binding, offset)
        return token

    @staticmethod
    def project(record: dict[str, Any], names: list[str], *, full: bool) -> dict[str, Any]:
        out: dict[str, Any] = {"id": record["id"]}
        for name in names:
            value = record.get(name)
            if not full and isinstance(value, dict):  # COQL: lookups as {id} only
                value = {"id": value["id"]}
            out[name] = value
        return out

    def list_users(
        self, module: str, query: dict[str, str], headers: dict[str, str], version: str
    ) -> dict[str, Any]:
        kind = query.get("type", "AllUsers")
        wanted = {"ActiveUsers": ("active",), "DeactiveUsers": ("disabled",)}.get(kind)
        users = [u for u in self.users if wanted is None or u["status"] in wanted]
        page, per_page = int(query.get("page", 1)), int(query.get("per_page", PER_PAGE_MAX))
        window = users[(page - 1) * per_page : page * per_page]
        if not window:
            raise NoContent
        more = page * per_page < len(users)
        return {
            "users": window,
            "info": {
                "per_page": per_page,
                "count": len(window),
                "page": page,
                "more_records": more,
            },
        }

    def list_deleted(
        self, module: str, query: dict[str, str], headers: dict[str, str], version: str
    ) -> dict[str, Any]:
        self.module_rows(module)
        kind = query.get("type", "all")
        since = headers.get("if-modified-since")
        items = [
            d
            for d in self.deleted.get(module, [])
            if (kind == "all" or d["type"] == kind)
            and (not since or _time(d["deleted_time"]) > _time(since))
        ]
        page, per_page = int(query.get("page", 1)), int(query.get("per_page", PER_PAGE_MAX))
        window = items[(page - 1) * per_page : page * per_page]
        if not window:
            raise NoContent
        more = page * per_page < len(items)
        return {
            "data": window,
            "info": {
                "per_page": per_page,
                "count": len(window),
                "page": page,
                "more_records": more,
            },
        }

    def coql(
        self, module: str, query: dict[str, str], body: Any, version: str
    ) -> tuple[dict[str, Any], int]:
        if not isinstance(body, dict) or not isinstance(body.get("select_query"), str):
            raise ApiError(
                400,
                "REQUIRED_PARAM_MISSING",
                "One of the expected parameter is missing",
                {"param_name": "select_query"},
            )
        parsed = parse_select(body["select_query"])
        rows = self.module_rows(parsed.module) if parsed.module in self.modules else None
        if rows is None:
            raise ApiError(400, "INVALID_QUERY", "invalid module given", {"module": parsed.module})
        most, reach = COQL_LIMITS[version]
        if len(parsed.fields) > 50 or parsed.limit > most or parsed.offset + parsed.limit > reach:
            raise ApiError(400, "LIMIT_EXCEEDED", "limit exceeded", {"limit": most, "reach": reach})
        for name in parsed.fields:
            if name not in FIELD_TYPES:
                raise ApiError(400, "INVALID_QUERY", "invalid column given", {"column_name": name})
        matching = [r for r in rows if parsed.where is None or parsed.where(r)]
        matching.sort(key=_sort_key(parsed.order_by), reverse=parsed.descending)
        window = matching[parsed.offset : parsed.offset + parsed.limit]
        cost = 1 if parsed.limit <= 200 else 2 if parsed.limit <= 1000 else 3
        if not window:
            return {}, cost
        more = parsed.offset + parsed.limit < len(matching)
        data = [
            self.project(r, [f for f in parsed.fields if f != "id"], full=False) for r in window
        ]
        return {"data": data, "info": {"count": len(window), "more_records": more}}, cost


class CreditsSpent(Exception):
    def __init__(self, error: ApiError) -> None:
        super().__init__(error.message)
        self.error = error


# -- a small COQL parser: enough of the grammar for criteria on dates, numbers and text ----------

TOKEN = re.compile(
    r"\s*(?:(?P<str>'(?:[^'\\]|\\.)*')|(?P<num>-?\d+(?:\.\d+)?)|(?P<op>>=|<=|!=|=|<|>)"
    r"|(?P<par>[()])|(?P<word>[A-Za-z_][\w.]*))"
)
SELECT = re.compile(
    r"^\s*select\s+(?P<fields>.+?)\s+from\s+(?P<module>\w+)"
    r"(?:\s+where\s+(?P<where>.+?))?"
    r"(?:\s+order\s+by\s+(?P<order>\w+)(?:\s+(?P<dir>asc|desc))?)?"
    r"(?:\s+limit\s+(?P<limit>\d+)(?:\s+offset\s+(?P<offset>\d+))?)?\s*$",
    re.I | re.S,
)


@dataclass
class Select:
    fields: list[str]
    module: str
    where: Any
    order_by: str
    descending: bool
    limit: int
    offset: int


def _syntax(message: str) -> ApiError:
    return ApiError(400, "SYNTAX_ERROR", f"error occured while parsing the query: {message}", {})


def parse_select(text: str) -> Select:
    match = SELECT.match(text)
    if match is None:
        raise _syntax("not a select query")
    fields = [f.strip() for f in match["fields"].split(",")]
    where = _Criteria(match["where"]).parse() if match["where"] else None
    order = match["order"] or "id"
    if order not in SORTABLE:
        raise _syntax(f"cannot order by {order}")
    return Select(
        fields,
        match["module"],
        where,
        order,
        (match["dir"] or "asc").lower() == "desc",
        int(match["limit"] or 200),
        int(match["offset"] or 0),
    )


def _tokens(text: str) -> list[tuple[str, str]]:
    out, position = [], 0
    while position < len(text.rstrip()):
        match = TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise _syntax(f"unexpected {text[position : position + 10]!r}")
        kind = match.lastgroup or ""
        out.append((kind, match[kind]))
        position = match.end()
    return out


def _typed(name: str, literal: str) -> Any:
    kind = FIELD_TYPES.get(name)
    if kind is None:
        raise ApiError(400, "INVALID_QUERY", "invalid column given", {"column_name": name})
    raw = literal[1:-1] if literal.startswith("'") else literal
    try:
        if kind == "date":
            return date.fromisoformat(raw)
        if kind == "datetime":
            return _time(raw)
        if kind == "number":
            return Decimal(raw)
    except ValueError:
        raise ApiError(
            400, "INVALID_QUERY", "invalid value given for the column", {"column_name": name}
        ) from None
    return raw


def _value(record: dict[str, Any], name: str) -> Any:
    value = record.get(name)
    if value is None:
        return None
    kind = FIELD_TYPES[name]
    if kind == "date":
        return date.fromisoformat(value)
    if kind == "datetime":
        return _time(value)
    if kind == "number":
        return Decimal(str(value))
    if isinstance(value, dict):
        return value.get("id")
    return value


COMPARE = {
    "=": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    ">=": lambda a, b: a >= b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    "<": lambda a, b: a < b,
}


class _Criteria:
    """expr := term ('or' term)*; term := factor ('and' factor)*; factor := '(' expr ')' | test."""

    def __init__(self, text: str) -> None:
        self.tokens = _tokens(text)
        self.at = 0

    def parse(self) -> Any:
        test = self.expr()
        if self.at != len(self.tokens):
            raise _syntax("unexpected text after the criteria")
        return test

    def peek(self) -> str:
        return self.tokens[self.at][1].lower() if self.at < len(self.tokens) else ""

    def take(self) -> tuple[str, str]:
        if self.at >= len(self.tokens):
            raise _syntax("the criteria end too early")
        self.at += 1
        return self.tokens[self.at - 1]

    def expr(self) -> Any:
        tests = [self.term()]
        while self.peek() == "or":
            self.take()
            tests.append(self.term())
        return tests[0] if len(tests) == 1 else (lambda r: any(t(r) for t in tests))

    def term(self) -> Any:
        tests = [self.factor()]
        while self.peek() == "and":
            self.take()
            tests.append(self.factor())
        return tests[0] if len(tests) == 1 else (lambda r: all(t(r) for t in tests))

    def factor(self) -> Any:
        if self.peek() == "(":
            self.take()
            inner = self.expr()
            if self.take()[1] != ")":
                raise _syntax("a bracket is not closed")
            return inner
        kind, name = self.take()
        if kind != "word":
            raise _syntax(f"expected a field name, got {name!r}")
        operator = self.take()
        if operator[0] != "op":
            raise _syntax(f"unsupported operator {operator[1]!r}")
        literal = self.take()[1]
        want, compare = _typed(name, literal), COMPARE[operator[1]]
        return lambda r: (v := _value(r, name)) is not None and compare(v, want)


# -- HTTP -----------------------------------------------------------------------------------------


class Handler(ReplyingHandler):
    server: Any  # a LoopbackServer carrying this mock

    def do_GET(self) -> None:
        self.handle_any("GET")

    def do_POST(self) -> None:
        self.handle_any("POST")

    def handle_any(self, method: str) -> None:
        mock, role = self.server.mock, self.server.role
        url = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        headers = {k.lower(): v for k, v in self.headers.items()}
        body = self.parse_body(raw, headers)
        with mock.lock:
            mock.requests.append(Seen(role, method, url.path, query, headers, body))
        fault = mock.take_fault(role, url.path)
        if fault is not None and self.inject(fault, raw):
            return
        if role == "accounts":
            self.accounts(method, url.path, query, body)
        else:
            self.api(method, url.path, query, headers, body)

    @staticmethod
    def parse_body(raw: bytes, headers: dict[str, str]) -> Any:
        if not raw:
            return None
        if headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            return {k: v[-1] for k, v in parse_qs(raw.decode("utf-8")).items()}
        try:
            return json.loads(raw, parse_float=Decimal)
        except ValueError:
            return raw.decode("utf-8", "replace")

    def inject(self, fault: Fault, raw: bytes) -> bool:
        """Play the fault; True when it answered the request."""
        if fault.expire_tokens:
            self.server.mock.expire_tokens()
        if fault.delay:
            time.sleep(min(fault.delay, MAX_DELAY))
        if fault.code is not None:
            error = ApiError(fault.status or 400, fault.code, self.echo(fault.message, raw))
            self.json(error.status, error.body(), fault.headers)
            return True
        if fault.status is not None:
            body = self.echo(fault.body, raw).encode()
            self.reply(fault.status, body, fault.kind, fault.headers)
            return True
        return False

    def echo(self, text: str, raw: bytes) -> str:
        text = text.replace("{auth}", self.headers.get("Authorization", ""))
        return text.replace("{body}", raw.decode("utf-8", "replace"))

    def accounts(self, method: str, path: str, query: dict[str, str], body: Any) -> None:
        if method != "POST" or path != "/oauth/v2/token":
            self.reply(404, b"not found", "text/plain")
            return
        form = {**query, **(body if isinstance(body, dict) else {})}
        with self.server.mock.lock:
            status, payload = self.server.mock.grant(form)
        self.json(status, payload)

    def api(
        self, method: str, path: str, query: dict[str, str], headers: dict[str, str], body: Any
    ) -> None:
        mock = self.server.mock
        try:
            with mock.lock:
                mock.authorise(self.headers.get("Authorization"))
                handler, cost, module = mock.route(method, path)
                version = path.split("/")[2]
                if handler == mock.coql:
                    payload, cost = mock.coql(module, query, body, version)
                else:
                    payload = handler(module, query, headers, version)
                extra = mock.charge(cost)
            if not payload:
                self.reply(204, b"", "", extra)
                return
            self.json(200, payload, extra)
        except NoContent:
            self.reply(204, b"", "")
        except CreditsSpent as spent:
            self.json(429, spent.error.body(), {"X-API-CREDITS-REMAINING": "0"})
        except ApiError as exc:
            self.json(exc.status, exc.body())

    def json(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        text = json.dumps(payload, ensure_ascii=False, default=json_number)
        self.reply(status, text.encode("utf-8"), "application/json;charset=UTF-8", headers)


@contextlib.contextmanager
def serving(mock: ZohoMock | None = None):
    """Run the accounts server and the API domain on ephemeral ports; yields the mock."""
    mock = mock or ZohoMock()
    accounts = LoopbackServer(Handler, mock=mock, role="accounts")
    api = LoopbackServer(Handler, mock=mock, role="api")
    mock.accounts_url, mock.api_domain = accounts.url, api.url
    with running(accounts, api):
        yield mock


# -- a sales org, as a sales team would fill it ---------------------------------------------------

USERS = [
    {
        "id": "554023000000235011",
        "full_name": "Patricia Boyle",
        "email": "p.boyle@example.com",
        "status": "active",
    },
    {
        "id": "554023000000235012",
        "full_name": "张三",
        "email": "zhangsan@example.com",
        "status": "active",
    },
    {
        "id": "554023000000235013",
        "full_name": "李四",
        "email": "lisi@example.com",
        "status": "active",
    },
    {
        "id": "554023000000235014",
        "full_name": "王五",
        "email": "wangwu@example.com",
        "status": "disabled",
    },
]
BY_EMAIL = {u["email"]: u for u in USERS}
STAGE_PROBABILITY = {
    "Qualification": 10,
    "Negotiation/Review": 90,
    "Closed Won": 100,
    "Closed Lost": 0,
}
FIRST_ID = 3652397000000100000


def owner(email: str) -> dict[str, str]:
    user = BY_EMAIL[email]
    return {"name": user["full_name"], "id": user["id"], "email": user["email"]}


def deal(
    number: int,
    email: str,
    amount: Any,
    stage: str,
    closing: str | None,
    created: str = "2025-01-02T09:00:00+08:00",
    modified: str | None = None,
    **more: Any,
) -> dict[str, Any]:
    """A Deals record as Get Records returns it (Owner with email; times with the user's offset)."""
    return {
        "id": str(FIRST_ID + number),
        "Deal_Name": f"Deal {number}",
        "Owner": owner(email),
        "Amount": amount,
        "Currency": "CNY",
        "Stage": stage,
        "Probability": STAGE_PROBABILITY[stage],
        "Closing_Date": closing,
        "Created_Time": created,
        "Modified_Time": modified or created,
        "Lead_Source": "Web",
        "Account_Name": {"name": f"Account {number % 7}", "id": str(9000 + number % 7)},
        **more,
    }


def many_deals(count: int, start: int = 0) -> list[dict[str, Any]]:
    """`count` deals spread over 2025, owners in turn, amounts 100, 101, …"""
    emails = [u["email"] for u in USERS]
    return [
        deal(
            i,
            emails[i % len(emails)],
            100 + i,
            "Closed Won" if i % 3 else "Closed Lost",
            f"2025-{i % 12 + 1:02d}-{i % 28 + 1:02d}",
            created=f"2025-{i % 12 + 1:02d}-01T10:00:00+08:00",
            modified=f"2025-06-01T00:00:{i % 60:02d}+00:00",
        )
        for i in range(start, start + count)
    ]


def quick_policy(sleeps: list[float] | None = None, attempts: int = 4) -> Any:
    """A retry policy for tests: the same logic, waits recorded instead of slept."""
    from kpiengine import RetryPolicy

    record = sleeps.append if sleeps is not None else (lambda seconds: None)
    return RetryPolicy(attempts=attempts, base_delay=1.0, max_delay=5.0, sleep=record)

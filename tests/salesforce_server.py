"""A local Salesforce org for tests: a real HTTP server on 127.0.0.1 speaking the REST API.

It follows the documented contract (../shared/reference/crm-apis.md §2):
- sign-in: `POST /services/oauth2/token`, form-encoded, client-credentials or JWT bearer (the
  assertion's RS256 signature, iss, sub, aud and exp checked); HTTP 400 `{error,
  error_description}` on failure; the answer names `instance_url`;
- `GET /services/data/vXX.X/query?q=` and `/queryAll` with a small SOQL interpreter (select
  list with relationship paths, WHERE with AND/OR/NOT, comparisons, IN, LIKE, date and
  date-time literals typed against the fields, ORDER BY, LIMIT); pages of `page_size` records
  (2,000 by default) chained by `nextRecordsUrl` `/services/data/vXX.X/query/<locator>-<offset>`
  until `done: true` — which the last page says even when it is full;
- `GET /services/data/vXX.X/sobjects/<object>/describe`;
- errors as a JSON array `[{"message", "errorCode"}]`: 401 INVALID_SESSION_ID, 403
  REQUEST_LIMIT_EXCEEDED once `api_limit` requests are spent, 400 MALFORMED_QUERY /
  INVALID_FIELD / INVALID_TYPE, 404 NOT_FOUND; `Sforce-Limit-Info` on every answer.
Faults are injected per request: any status and body, a slow answer (a timeout), a session
that expires, after letting `skip` matching requests through.
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

import jwt
from loopback import LoopbackServer, ReplyingHandler, json_number, running

MAX_DELAY = 2.0
"""No injected delay sleeps longer than this: a test can never hang on the server."""
PAGE_SIZE = 2000
VERSIONS = {f"v{n}.0" for n in range(29, 67)}
JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"

OPPORTUNITY_FIELDS = {
    "Id": "id",
    "Name": "string",
    "AccountId": "reference",
    "Amount": "currency",
    "CloseDate": "date",
    "StageName": "picklist",
    "Probability": "percent",
    "IsClosed": "boolean",
    "IsWon": "boolean",
    "OwnerId": "reference",
    "Type": "picklist",
    "LeadSource": "picklist",
    "CreatedDate": "datetime",
    "LastModifiedDate": "datetime",
    "SystemModstamp": "datetime",
    "IsDeleted": "boolean",
    "CurrencyIsoCode": "picklist",
    "Region__c": "string",
    "Signed_On__c": "date",
}
USER_FIELDS = {"Id": "id", "Name": "string", "Email": "email", "IsActive": "boolean"}
RELATIONSHIPS = {"owner": ("Owner", "OwnerId", "User")}


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def invalid_field(name: str, entity: str) -> ApiError:
    return ApiError(
        400,
        "INVALID_FIELD",
        f"\nSELECT {name} FROM {entity}\n       ^\nERROR at Row:1:Column:8\nNo such column "
        f"'{name}' on entity '{entity}'. If you are attempting to use a custom field, be sure to "
        "append the '__c' after the custom field name. Please reference your WSDL or the "
        "describe call for the appropriate names.",
    )


def malformed(detail: str) -> ApiError:
    return ApiError(400, "MALFORMED_QUERY", f"\nERROR at Row:1:Column:1\n{detail}")


# -- SOQL -----------------------------------------------------------------------------------------

TOKEN = re.compile(
    r"""\s*(?:
      (?P<string>'(?:\\.|[^'\\])*')
    | (?P<datetime>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2}))
    | (?P<date>\d{4}-\d{2}-\d{2})
    | (?P<number>-?\d+(?:\.\d+)?)
    | (?P<op><=|>=|!=|<>|=|<|>)
    | (?P<punct>[(),])
    | (?P<word>[A-Za-z_][A-Za-z0-9_.]*)
    )""",
    re.X,
)


def tokenize(text: str) -> list[tuple[str, str]]:
    tokens, at = [], 0
    text = text.rstrip()
    while at < len(text):
        match = TOKEN.match(text, at)
        if not match or match.end() == at:
            raise malformed(f"unexpected token: '{text[at:].strip()[:20]}'")
        kind = match.lastgroup or ""
        tokens.append((kind, match.group(kind)))
        at = match.end()
    return tokens


def parse_datetime(text: str) -> datetime:
    text = text[:-1] + "+00:00" if text.endswith("Z") else text
    if text[-5] in "+-" and text[-3] != ":":
        text = f"{text[:-2]}:{text[-2:]}"
    return datetime.fromisoformat(text)


@dataclass
class Query:
    sobject: str
    fields: list[tuple[str, ...]]
    where: Any
    order: list[tuple[tuple[str, ...], bool]]
    limit: int | None


class Parser:
    """Recursive descent over the SOQL tokens; field paths resolved against the org's schema."""

    def __init__(self, org: MockOrg, text: str) -> None:
        self.org, self.tokens, self.at = org, tokenize(text), 0
        self.sobject = ""

    def peek(self, word: str | None = None) -> str | None:
        if self.at >= len(self.tokens):
            return None
        _kind, text = self.tokens[self.at]
        if word is None:
            return text
        return text if text.upper() == word else None

    def take(self, word: str | None = None) -> tuple[str, str]:
        if self.at >= len(self.tokens) or (word and not self.peek(word)):
            raise malformed(f"expecting {word or 'more'}, found {self.peek() or 'end of query'}")
        self.at += 1
        return self.tokens[self.at - 1]

    def query(self) -> Query:
        self.take("SELECT")
        raw_fields = [self.take()[1]]
        while self.peek(","):
            self.take(",")
            raw_fields.append(self.take()[1])
        self.take("FROM")
        self.sobject = self.org.object_name(self.take()[1])
        fields = [self.path(f) for f in raw_fields]
        lowered = [".".join(f).lower() for f in fields]
        if len(set(lowered)) != len(lowered):
            raise malformed("duplicate field selected")
        where = self.condition() if self.peek("WHERE") and self.take("WHERE") else None
        order = []
        if self.peek("ORDER"):
            self.take("ORDER"), self.take("BY")
            order.append(self.order_item())
            while self.peek(","):
                self.take(",")
                order.append(self.order_item())
        limit = int(self.take()[1]) if self.peek("LIMIT") and self.take("LIMIT") else None
        if self.peek() is not None:
            raise malformed(f"unexpected token: '{self.peek()}'")
        return Query(self.sobject, fields, where, order, limit)

    def order_item(self) -> tuple[tuple[str, ...], bool]:
        path = self.path(self.take()[1])
        descending = bool(self.peek("DESC"))
        if self.peek("ASC") or self.peek("DESC"):
            self.take()
        return path, descending

    def path(self, text: str) -> tuple[str, ...]:
        steps = text.split(".")
        if len(steps) == 1:
            return (self.org.field_name(self.sobject, steps[0]),)
        relation = RELATIONSHIPS.get(steps[0].lower())
        if relation is None or len(steps) != 2:
            raise ApiError(
                400,
                "INVALID_FIELD",
                f"\nSELECT {text} FROM {self.sobject}\n^\nERROR at Row:1:Column:8\n"
                f"Didn't understand relationship '{steps[0]}' in field path. If you are "
                "attempting to use a custom relationship, be sure to append the '__r' after "
                "the custom relationship name.",
            )
        return relation[0], self.org.field_name(relation[2], steps[1])

    def condition(self) -> Any:
        left = self.conjunction()
        while self.peek("OR"):
            self.take("OR")
            left = ("or", left, self.conjunction())
        return left

    def conjunction(self) -> Any:
        left = self.negation()
        while self.peek("AND"):
            self.take("AND")
            left = ("and", left, self.negation())
        return left

    def negation(self) -> Any:
        if self.peek("NOT"):
            self.take("NOT")
            return ("not", self.negation())
        if self.peek("("):
            self.take("(")
            inner = self.condition()
            self.take(")")
            return inner
        return self.comparison()

    def comparison(self) -> Any:
        path = self.path(self.take()[1])
        kind = self.org.field_type(self.sobject, path)
        if self.peek("IN") or self.peek("NOT"):
            negate = bool(self.peek("NOT")) and bool(self.take("NOT"))
            self.take("IN"), self.take("(")
            values = [self.literal(path, kind)]
            while self.peek(","):
                self.take(",")
                values.append(self.literal(path, kind))
            self.take(")")
            return ("in", path, values, negate)
        if self.peek("LIKE"):
            self.take("LIKE")
            return ("like", path, self.literal(path, kind))
        op = self.take()
        if op[0] != "op":
            raise malformed(f"unexpected token: '{op[1]}'")
        return ("cmp", path, op[1], self.literal(path, kind))

    def literal(self, path: tuple[str, ...], kind: str) -> Any:
        token_kind, text = self.take()
        if token_kind == "word" and text.lower() in ("true", "false", "null"):
            return {"true": True, "false": False, "null": None}[text.lower()]
        wanted = {"date": "date", "datetime": "datetime"}.get(kind)
        if wanted and token_kind != wanted:
            raise ApiError(
                400,
                "INVALID_FIELD",
                f"value of filter criterion for field '{path[-1]}' must be of type "
                f"{'dateTime' if wanted == 'datetime' else 'date'} and should not be enclosed "
                "in quotes",
            )
        if token_kind == "string":
            return re.sub(r"\\(.)", r"\1", text[1:-1])
        if token_kind == "number":
            return Decimal(text)
        if token_kind == "datetime":
            return parse_datetime(text)
        if token_kind == "date":
            return date.fromisoformat(text)
        raise malformed(f"unexpected token: '{text}'")


def typed(value: Any, kind: str) -> Any:
    if value is None:
        return None
    if kind == "date":
        return date.fromisoformat(value)
    if kind == "datetime":
        return parse_datetime(value)
    if isinstance(value, str):
        return value.lower()  # SOQL compares text without regard to case
    return value


def matches(node: Any, record: dict[str, Any], org: MockOrg, sobject: str) -> bool:
    if node is None:
        return True
    kind = node[0]
    if kind in ("and", "or"):
        join = all if kind == "and" else any
        return join(matches(n, record, org, sobject) for n in node[1:])
    if kind == "not":
        return not matches(node[1], record, org, sobject)
    path = node[1]
    value = typed(org.value(record, path), org.field_type(sobject, path))
    if kind == "in":
        found = value in [v.lower() if isinstance(v, str) else v for v in node[2]]
        return found != node[3]
    if kind == "like":
        pattern = re.escape(node[2].lower()).replace("%", ".*").replace("_", ".")
        return value is not None and re.fullmatch(pattern, value) is not None
    op, want = node[2], node[3]
    want = want.lower() if isinstance(want, str) else want
    if op == "=":
        return value == want
    if op in ("!=", "<>"):
        return value != want
    if value is None or want is None:
        return False
    return {"<": value < want, "<=": value <= want, ">": value > want, ">=": value >= want}[op]


# -- the org --------------------------------------------------------------------------------------


@dataclass
class Fault:
    """One injected failure, for the next `times` requests whose path contains `path`.

    `skip` matching requests pass first (a fault mid-run). `status` answers with `errors` (a
    Salesforce error array) or `body`; `delay` sleeps first (a timeout); `expire_session`
    invalidates every session, then answers as usual (a 401). In a message, `{auth}` becomes
    the request's Authorization header and `{form}` its form body, as a careless server might
    echo them.
    """

    path: str | None = None
    status: int | None = None
    errors: list[dict[str, Any]] | None = None
    body: str = ""
    delay: float = 0.0
    retry_after: str | None = None
    expire_session: bool = False
    skip: int = 0
    times: int = 1


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, str]
    form: dict[str, str]
    headers: dict[str, str]


@dataclass
class MockOrg:
    """The org's state: records, users, credentials, paging, faults, the requests seen."""

    client_id: str = "3MVG9-test-consumer-key-0123456789"
    client_secret: str = "sf-test-secret-9876543210"
    username: str = "integration@acme.example"
    public_key: Any = None
    audience: str | None = None
    """The JWT `aud` expected; None: the server's own address (the login_url a test uses)."""
    instance_url: str | None = None
    """The address the token answer names; None: the server's own address."""
    page_size: int = PAGE_SIZE
    multi_currency: bool = True
    api_limit: int | None = None
    records: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: {"Opportunity": []})
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    faults: list[Fault] = field(default_factory=list)
    requests: list[Seen] = field(default_factory=list)
    tokens: set[str] = field(default_factory=set)
    issued: list[str] = field(default_factory=list)
    api_used: int = 0
    url: str = ""

    def __post_init__(self) -> None:
        self.lock = threading.RLock()
        self.cursors: dict[str, list[dict[str, Any]]] = {}
        self.counter = itertools.count(1)

    # -- set-up ----------------------------------------------------------------------------

    def add_user(self, name: str, email: str) -> str:
        user_id = f"005{next(self.counter):015d}"
        self.users[user_id] = {"Id": user_id, "Name": name, "Email": email, "IsActive": True}
        return user_id

    def add(self, **fields: Any) -> dict[str, Any]:
        number = next(self.counter)
        stamp = fields.pop("SystemModstamp", "2025-01-01T00:00:00.000+0000")
        record = {
            "Id": f"006{number:015d}",
            "Name": f"Deal {number}",
            "IsDeleted": False,
            "IsClosed": fields.get("IsWon", False),
            "CreatedDate": "2025-01-01T00:00:00.000+0000",
            "LastModifiedDate": stamp,
            "SystemModstamp": stamp,
            "CurrencyIsoCode": "CNY",
            **fields,
        }
        self.records["Opportunity"].append(record)
        return record

    def inject(self, **kwargs: Any) -> Fault:
        fault = Fault(**kwargs)
        self.faults.append(fault)
        return fault

    def seen(self, fragment: str) -> list[Seen]:
        return [r for r in self.requests if fragment in r.path]

    @property
    def token_requests(self) -> list[Seen]:
        return self.seen("/services/oauth2/token")

    @property
    def queries(self) -> list[str]:
        return [r.query["q"] for r in self.requests if "q" in r.query]

    # -- schema ----------------------------------------------------------------------------

    def fields_of(self, sobject: str) -> dict[str, str]:
        if sobject == "User":
            return USER_FIELDS
        fields = dict(OPPORTUNITY_FIELDS)
        if not self.multi_currency:
            del fields["CurrencyIsoCode"]
        return fields

    def object_name(self, name: str) -> str:
        for known in self.records:
            if known.lower() == name.lower():
                return known
        raise ApiError(
            400,
            "INVALID_TYPE",
            f"\nSELECT Id FROM {name}\n^\nERROR at Row:1:Column:16\nsObject type '{name}' is "
            "not supported. If you are attempting to use a custom object, be sure to append "
            "the '__c' after the entity name.",
        )

    def field_name(self, sobject: str, name: str) -> str:
        for known in self.fields_of(sobject):
            if known.lower() == name.lower():
                return known
        raise invalid_field(name, sobject)

    def field_type(self, sobject: str, path: tuple[str, ...]) -> str:
        if len(path) == 2:
            return USER_FIELDS[path[1]]
        return self.fields_of(sobject)[path[0]]

    def value(self, record: dict[str, Any], path: tuple[str, ...]) -> Any:
        if len(path) == 1:
            return record.get(path[0])
        user = self.users.get(record.get("OwnerId") or "")
        return None if user is None else user.get(path[1])

    # -- answers ---------------------------------------------------------------------------

    def run(self, version: str, soql: str, deleted: bool) -> dict[str, Any]:
        query = Parser(self, soql).query()
        rows = [
            r
            for r in self.records[query.sobject]
            if (deleted or not r.get("IsDeleted")) and matches(query.where, r, self, query.sobject)
        ]
        for path, descending in reversed(query.order):
            kind = self.field_type(query.sobject, path)

            def key(r: dict[str, Any], path: tuple[str, ...] = path, kind: str = kind) -> Any:
                value = typed(self.value(r, path), kind)
                return (value is not None, value if value is not None else 0)

            rows.sort(key=key, reverse=descending)
        if query.limit is not None:
            rows = rows[: query.limit]
        shaped = [self.shape(r, query, version) for r in rows]
        return self.page(version, shaped, 0, None)

    def shape(self, record: dict[str, Any], query: Query, version: str) -> dict[str, Any]:
        out: dict[str, Any] = {
            "attributes": {
                "type": query.sobject,
                "url": f"/services/data/{version}/sobjects/{query.sobject}/{record['Id']}",
            }
        }
        for path in query.fields:
            if len(path) == 1:
                out[path[0]] = record.get(path[0])
                continue
            user = self.users.get(record.get("OwnerId") or "")
            if user is None:
                out[path[0]] = None
                continue
            nested = out.setdefault(
                path[0],
                {
                    "attributes": {
                        "type": "User",
                        "url": f"/services/data/{version}/sobjects/User/{user['Id']}",
                    }
                },
            )
            nested[path[1]] = user.get(path[1])
        return out

    def page(
        self, version: str, rows: list[dict[str, Any]], offset: int, locator: str | None
    ) -> dict[str, Any]:
        end = offset + self.page_size
        answer: dict[str, Any] = {
            "totalSize": len(rows),
            "done": end >= len(rows),
            "records": rows[offset:end],
        }
        if not answer["done"]:
            locator = locator or f"01gRO00000{next(self.counter):08d}"
            self.cursors[locator] = rows
            answer["nextRecordsUrl"] = f"/services/data/{version}/query/{locator}-{end}"
        return answer

    def more(self, version: str, cursor: str) -> dict[str, Any]:
        locator, _, offset = cursor.rpartition("-")
        if locator not in self.cursors or not offset.isdigit():
            raise ApiError(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
        return self.page(version, self.cursors[locator], int(offset), locator)

    def describe(self, sobject: str) -> dict[str, Any]:
        name = self.object_name(sobject)
        fields = [{"name": n, "type": t} for n, t in self.fields_of(name).items()]
        return {"name": name, "fields": fields}

    # -- sign-in ---------------------------------------------------------------------------

    def sign_in(self, form: dict[str, str]) -> dict[str, Any]:
        grant = form.get("grant_type")
        if grant == "client_credentials":
            if form.get("client_id") != self.client_id:
                raise ApiError(400, "invalid_client_id", "client identifier invalid")
            if form.get("client_secret") != self.client_secret:
                raise ApiError(400, "invalid_client", "invalid client credentials")
        elif grant == JWT_GRANT:
            self.check_assertion(form.get("assertion", ""))
        else:
            raise ApiError(400, "unsupported_grant_type", "grant type not supported")
        token = f"00DRO0000000001!AQ{next(self.counter):06d}.session-token-{time.time_ns()}"
        self.tokens.add(token)
        self.issued.append(token)
        return {
            "access_token": token,
            "signature": "nUFHwtfIGLKDTHcLWmDBG8frv0t+HQGl/iCZFIQUarE=",
            "token_format": "opaque",
            "instance_url": self.instance_url or self.url,
            "id": "https://login.salesforce.com/id/00DRO0000000001/005RO0000000001",
            "token_type": "Bearer",
            "issued_at": str(int(time.time() * 1000)),
            "scope": "api",
        }

    def check_assertion(self, assertion: str) -> None:
        try:
            claims = jwt.decode(
                assertion,
                self.public_key,
                algorithms=["RS256"],
                audience=self.audience or self.url,
                options={"require": ["exp", "iss", "sub", "aud"]},
            )
        except jwt.ExpiredSignatureError:
            raise ApiError(400, "invalid_grant", "expired authorization code") from None
        except jwt.InvalidAudienceError:
            raise ApiError(400, "invalid_grant", "audience is invalid") from None
        except jwt.InvalidTokenError:
            raise ApiError(400, "invalid_grant", "invalid assertion") from None
        if claims["iss"] != self.client_id:
            raise ApiError(400, "invalid_client_id", "client identifier invalid")
        if claims["sub"] != self.username:
            raise ApiError(400, "invalid_grant", "user hasn't approved this consumer")
        if claims["exp"] > time.time() + 300:
            raise ApiError(400, "invalid_grant", "expiration is too far in the future")

    def take_fault(self, path: str) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.times > 0 and (fault.path is None or fault.path in path):
                    if fault.skip > 0:
                        fault.skip -= 1
                        return None
                    fault.times -= 1
                    return fault
        return None


# -- HTTP -----------------------------------------------------------------------------------------

DATA = re.compile(r"/services/data/(v\d+\.\d)/(query|queryAll)(?:/([^/?]+))?$")
DESCRIBE = re.compile(r"/services/data/(v\d+\.\d)/sobjects/(\w+)/describe$")


class Handler(ReplyingHandler):
    server: Any  # a LoopbackServer carrying this mock

    def do_GET(self) -> None:
        self.handle_request("GET")

    def do_POST(self) -> None:
        self.handle_request("POST")

    def handle_request(self, method: str) -> None:
        org = self.server.org
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode("utf-8") if length else ""
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        form = {k: v[0] for k, v in parse_qs(raw).items()}
        headers = {k.lower(): v for k, v in self.headers.items()}
        with org.lock:
            org.requests.append(Seen(method, parts.path, query, form, headers))
        fault = org.take_fault(parts.path)
        if fault is not None and self.inject(fault, raw):
            return
        try:
            with org.lock:
                self.json(200, self.answer(org, method, parts.path, query, form))
        except ApiError as exc:
            if parts.path == "/services/oauth2/token":
                self.json(exc.status, {"error": exc.code, "error_description": exc.message})
            else:
                self.json(exc.status, [{"message": exc.message, "errorCode": exc.code}])

    def answer(
        self, org: MockOrg, method: str, path: str, query: dict[str, str], form: dict[str, str]
    ) -> Any:
        if path == "/services/oauth2/token" and method == "POST":
            return org.sign_in(form)
        auth = self.headers.get("Authorization", "")
        if not auth.startswith("Bearer ") or auth[7:] not in org.tokens:
            raise ApiError(401, "INVALID_SESSION_ID", "Session expired or invalid")
        org.api_used += 1
        if org.api_limit is not None and org.api_used > org.api_limit:
            raise ApiError(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")
        data, describe = DATA.match(path), DESCRIBE.match(path)
        version = (data or describe).group(1) if (data or describe) else None
        if method != "GET" or version not in VERSIONS:
            raise ApiError(404, "NOT_FOUND", "The requested resource does not exist")
        if describe:
            return org.describe(describe.group(2))
        if data and data.group(3):
            return org.more(version, data.group(3))
        if "q" not in query:
            raise malformed("no query given")
        return org.run(version, query["q"], deleted=data.group(2) == "queryAll")

    def inject(self, fault: Fault, raw: str) -> bool:
        """Play the fault; True when it answered the request."""
        if fault.delay:
            time.sleep(min(fault.delay, MAX_DELAY))
        if fault.expire_session:
            with self.server.org.lock:
                self.server.org.tokens.clear()
        if fault.status is None:
            return False
        headers = {"Retry-After": fault.retry_after} if fault.retry_after else {}
        if fault.errors is not None:
            text = json.dumps(fault.errors)
            text = text.replace("{auth}", self.headers.get("Authorization", ""))
            text = text.replace("{form}", raw)
            self.reply(fault.status, text.encode(), "application/json", headers)
        else:
            self.reply(fault.status, fault.body.encode(), "text/html", headers)
        return True

    def json(self, status: int, payload: Any) -> None:
        text = json.dumps(payload, ensure_ascii=False, default=json_number)
        self.reply(status, text.encode("utf-8"), "application/json;charset=UTF-8")

    def reply(
        self, status: int, data: bytes, kind: str, headers: dict[str, str] | None = None
    ) -> None:
        org = self.server.org
        usage = {"Sforce-Limit-Info": f"api-usage={org.api_used}/{org.api_limit or 100000}"}
        super().reply(status, data, kind, {**usage, **(headers or {})})


@contextlib.contextmanager
def serving(org: MockOrg | None = None):
    """Run the mock org on an ephemeral port for the block; yields the org (`.url` set)."""
    org = org or MockOrg()
    server = LoopbackServer(Handler, org=org)
    org.url = server.url
    with running(server):
        yield org


# -- test helpers ---------------------------------------------------------------------------------


def stamp(moment: datetime) -> str:
    """A datetime as Salesforce writes one: `2025-01-31T08:00:00.000+0000`."""
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}+0000"


def created(day: str, hour: int = 2) -> str:
    return stamp(datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC))


def deal(org: MockOrg, owner: str, amount: Any, stage: str, close: str, **more: Any) -> dict:
    """An Opportunity owned by `owner` (a user id), closed (or to close) on `close`."""
    won = stage == "Closed Won"
    fields = {
        "OwnerId": owner,
        "Amount": None if amount is None else Decimal(str(amount)),
        "StageName": stage,
        "IsWon": won,
        "IsClosed": stage.startswith("Closed"),
        "CloseDate": close,
        "CreatedDate": created((date.fromisoformat(close) - timedelta(days=20)).isoformat()),
    }
    return org.add(**{**fields, **more})


def quick_policy(sleeps: list[float] | None = None, attempts: int = 4) -> Any:
    """A retry policy for tests: the same logic, waits recorded instead of slept."""
    from kpiengine import RetryPolicy

    record = sleeps.append if sleeps is not None else (lambda seconds: None)
    return RetryPolicy(attempts=attempts, base_delay=1.0, max_delay=5.0, sleep=record)

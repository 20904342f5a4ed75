"""A local Jiandaoyun (简道云) open API v5 for tests: a real HTTP server on 127.0.0.1.

It follows the documented contract (../shared/reference/crm-apis.md §1): every endpoint is a
POST with a JSON body, `Authorization: Bearer <key>`, `data_list` paged by the `data_id` cursor in
ascending `_id` order with `limit` 1–100, every API error HTTP 400 `{code, msg}`. Faults are
injected per request: a rate-limit code, a 5xx, a slow answer (a timeout), a bad key.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from loopback import LoopbackServer, ReplyingHandler, json_number, running

MAX_DELAY = 2.0
"""No injected delay sleeps longer than this: a test can never hang on the server."""
LIMIT_MAX = 100
SYS_WIDGETS = [{"name": n} for n in ("flowState", "creator", "updater", "createTime", "updateTime")]


@dataclass
class Fault:
    """One injected failure, for the next `times` requests to `path` (any path if None).

    `code`: HTTP 400 with `{code, msg}`; `status`: that HTTP status with `body`; `delay`: sleep
    before answering normally (longer than the client's timeout: a timeout). In `msg`,
    `{auth}` is replaced by the request's Authorization header, as a careless server might echo.
    """

    path: str | None = None
    code: int | None = None
    status: int | None = None
    body: str = ""
    msg: str = "injected fault"
    delay: float = 0.0
    retry_after: str | None = None
    times: int = 1


@dataclass
class Seen:
    path: str
    body: Any
    headers: dict[str, str]


@dataclass
class MockForm:
    widgets: list[dict[str, Any]]
    records: list[dict[str, Any]] = field(default_factory=list)
    transactions: dict[str, list[str]] = field(default_factory=dict)

    def widget_type(self, name: str) -> str:
        found = [w.get("type", "text") for w in self.widgets if w["name"] == name]
        return found[0] if found else "text"


class ApiError(Exception):
    def __init__(self, code: int, msg: str) -> None:
        super().__init__(msg)
        self.code = code
        self.msg = msg


class JiandaoyunMock:
    """State of the mock API: forms, the valid key, faults to inject, requests seen."""

    def __init__(self, api_key: str = "jdy-test-key-0123456789", bad_key_code: int = 8301) -> None:
        self.api_key = api_key
        self.bad_key_code = bad_key_code
        self.forms: dict[tuple[str, str], MockForm] = {}
        self.faults: list[Fault] = []
        self.requests: list[Seen] = []
        self.lock = threading.Lock()
        self.ids = itertools.count(1)
        self.url = ""

    # -- set-up ------------------------------------------------------------------------------

    def add_form(self, app_id: str, entry_id: str, widgets: list[dict[str, Any]]) -> MockForm:
        form = MockForm([{"widgetName": w["name"], **w} for w in widgets])
        self.forms[(app_id, entry_id)] = form
        return form

    def add_records(self, app_id: str, entry_id: str, records: list[dict[str, Any]]) -> None:
        form = self.forms[(app_id, entry_id)]
        for record in records:
            form.records.append({"_id": self.new_id(), **record})

    def new_id(self) -> str:
        return f"{next(self.ids):024x}"

    def inject(self, **kwargs: Any) -> Fault:
        fault = Fault(**kwargs)
        self.faults.append(fault)
        return fault

    def seen(self, path: str) -> list[Seen]:
        return [r for r in self.requests if r.path == path]

    # -- handling ----------------------------------------------------------------------------

    def take_fault(self, path: str) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.times > 0 and fault.path in (None, path):
                    fault.times -= 1
                    return fault
        return None

    def form(self, body: dict[str, Any]) -> MockForm:
        app, entry = body.get("app_id"), body.get("entry_id")
        if not app or not entry:
            raise ApiError(1, "缺少参数")
        if not any(a == app for a, _ in self.forms):
            raise ApiError(2004, "应用不存在")
        if (app, entry) not in self.forms:
            raise ApiError(3000, "表单不存在")
        return self.forms[(app, entry)]

    def answer(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        handlers = {
            "/api/v5/app/entry/widget/list": self.widget_list,
            "/api/v5/app/entry/data/list": self.data_list,
            "/api/v5/app/entry/data/batch_create": self.batch_create,
            "/api/v5/app/entry/data/update": self.update,
        }
        if path not in handlers:
            raise LookupError(path)
        with self.lock:
            return handlers[path](self.form(body), body)

    def widget_list(self, form: MockForm, body: dict[str, Any]) -> dict[str, Any]:
        return {
            "widgets": form.widgets,
            "sysWidgets": SYS_WIDGETS,
            "dataModifyTime": "2025-01-01T00:00:00.000Z",
        }

    def data_list(self, form: MockForm, body: dict[str, Any]) -> dict[str, Any]:
        limit = body.get("limit", 10)
        if not isinstance(limit, int) or not 1 <= limit <= LIMIT_MAX:
            raise ApiError(3005, "limit 须在 1–100 之间")
        after = body.get("data_id") or ""
        test = compile_filter(body.get("filter"), form)
        rows = [r for r in sorted(form.records, key=lambda r: r["_id"]) if r["_id"] > after]
        rows = [r for r in rows if test(r)][:limit]
        fields = body.get("fields")
        if fields:
            rows = [{k: v for k, v in r.items() if k == "_id" or k in fields} for r in rows]
        return {"data": rows}

    def stored(self, form: MockForm, data: dict[str, Any]) -> dict[str, Any]:
        record = {}
        for name, wrapped in data.items():
            value = wrapped.get("value") if isinstance(wrapped, dict) else None
            if form.widget_type(name) == "user" and isinstance(value, str):
                value = {"username": value, "name": value, "status": 1, "type": 0}
            record[name] = value
        return record

    def batch_create(self, form: MockForm, body: dict[str, Any]) -> dict[str, Any]:
        data_list = body.get("data_list")
        if not isinstance(data_list, list) or not data_list:
            raise ApiError(1, "缺少 data_list")
        if len(data_list) > LIMIT_MAX:
            raise ApiError(17024, "批量新增数据超过 100 条")
        transaction = body.get("transaction_id")
        if transaction in form.transactions:  # a resent batch replaces the first one
            dropped = set(form.transactions[transaction])
            form.records = [r for r in form.records if r["_id"] not in dropped]
        ids = []
        for data in data_list:
            record = {"_id": self.new_id(), **self.stored(form, data)}
            form.records.append(record)
            ids.append(record["_id"])
        if transaction:
            form.transactions[transaction] = ids
        return {"status": "success", "success_count": len(ids), "success_ids": ids}

    def update(self, form: MockForm, body: dict[str, Any]) -> dict[str, Any]:
        found = [r for r in form.records if r["_id"] == body.get("data_id")]
        if not found:
            raise ApiError(4001, "数据不存在")
        found[0].update(self.stored(form, body.get("data") or {}))
        return {"data": found[0]}


def _value_of(record: dict[str, Any], name: str) -> Any:
    value = record.get(name)
    if isinstance(value, dict):
        return value.get("username", value.get("name"))
    return value


def _range(value: Any, bounds: list[Any]) -> bool:
    if value is None or len(bounds) != 2:
        return False
    low, high = bounds
    return (low is None or low <= value) and (high is None or value <= high)


METHODS = {
    "eq": lambda v, want: len(want) == 1 and v == want[0],
    "ne": lambda v, want: len(want) == 1 and v != want[0],
    "in": lambda v, want: v in want,
    "nin": lambda v, want: v not in want,
    "range": _range,
    "empty": lambda v, want: v in (None, "", []),
    "not_empty": lambda v, want: v not in (None, "", []),
}


def compile_filter(spec: Any, form: MockForm) -> Any:
    """A predicate for a `{rel, cond}` filter; an invalid filter is error 4815."""
    if spec is None:
        return lambda record: True
    if not isinstance(spec, dict) or spec.get("rel", "and") not in ("and", "or"):
        raise ApiError(4815, "过滤条件无效")
    conds = spec.get("cond")
    if not isinstance(conds, list):
        raise ApiError(4815, "过滤条件无效")
    tests = [_condition(c) for c in conds]
    joined = all if spec.get("rel", "and") == "and" else any
    return lambda record: joined(t(record) for t in tests)


def _condition(cond: Any) -> Any:
    if not isinstance(cond, dict) or cond.get("method") not in METHODS or "field" not in cond:
        raise ApiError(4815, "过滤条件无效")
    want = cond.get("value", [])
    if not isinstance(want, list):
        raise ApiError(4815, "过滤条件的 value 须为数组")
    method, name = METHODS[cond["method"]], cond["field"]
    return lambda record: method(_value_of(record, name), want)


class Handler(ReplyingHandler):
    server: Any  # a LoopbackServer carrying this mock

    def do_GET(self) -> None:
        self.reply(405, b"", "text/plain")

    def do_POST(self) -> None:
        mock = self.server.mock
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        try:
            body = json.loads(raw, parse_float=Decimal) if raw else {}
        except ValueError:
            body = None
        with mock.lock:
            mock.requests.append(
                Seen(self.path, body, {k.lower(): v for k, v in self.headers.items()})
            )
        fault = mock.take_fault(self.path)
        if fault is not None and self.inject(fault):
            return
        self.respond(mock, body)

    def inject(self, fault: Fault) -> bool:
        """Play the fault; True when it answered the request."""
        if fault.delay:
            time.sleep(min(fault.delay, MAX_DELAY))
        headers = {"Retry-After": fault.retry_after} if fault.retry_after else {}
        if fault.code is not None:
            msg = fault.msg.replace("{auth}", self.headers.get("Authorization", ""))
            self.json(400, {"code": fault.code, "msg": msg}, headers)
            return True
        if fault.status is not None:
            self.reply(fault.status, fault.body.encode(), "text/html", headers)
            return True
        return False

    def respond(self, mock: JiandaoyunMock, body: Any) -> None:
        if self.headers.get("Authorization") != f"Bearer {mock.api_key}":
            self.json(400, {"code": mock.bad_key_code, "msg": "API Key 鉴权失败"})
            return
        if not isinstance(body, dict):
            self.json(400, {"code": 1, "msg": "请求体不是 JSON"})
            return
        try:
            self.json(200, mock.answer(self.path, body))
        except ApiError as exc:
            self.json(400, {"code": exc.code, "msg": exc.msg})
        except LookupError:
            self.reply(404, b"not found", "text/plain")

    def json(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        text = json.dumps(payload, ensure_ascii=False, default=json_number)
        self.reply(status, text.encode("utf-8"), "application/json", headers)


@contextlib.contextmanager
def serving(mock: JiandaoyunMock | None = None):
    """Run the mock API on an ephemeral port for the block; yields the mock (`.url` set)."""
    mock = mock or JiandaoyunMock()
    server = LoopbackServer(Handler, mock=mock)
    mock.url = server.url
    with running(server, poll=0.05):
        yield mock


# -- a sales form, as a sales team would build it ------------------------------------------------

APP, ENTRY = "app-sales-2025", "entry-deals"
DEAL_WIDGETS = [
    {"name": "_widget_1700000000001", "label": "负责人", "type": "user"},
    {"name": "_widget_1700000000002", "label": "金额", "type": "number"},
    {"name": "_widget_1700000000003", "label": "阶段", "type": "combo"},
    {"name": "_widget_1700000000004", "label": "成交日期", "type": "datetime"},
    {"name": "_widget_1700000000005", "label": "部门", "type": "dept"},
    {
        "name": "_widget_1700000000006",
        "label": "产品明细",
        "type": "subform",
        "items": [
            {"name": "_widget_1700000000007", "label": "产品", "type": "text"},
            {"name": "_widget_1700000000008", "label": "数量", "type": "number"},
        ],
    },
]
OWNER, AMOUNT, STAGE, CLOSED, DEPT, LINES = (w["name"] for w in DEAL_WIDGETS)


def user(username: str, name: str | None = None) -> dict[str, Any]:
    return {
        "name": name or username,
        "username": username,
        "status": 1,
        "type": 0,
        "departments": [1],
        "integrate_id": username,
    }


def utc_of_local_day(day: str) -> str:
    """A date as Jiandaoyun stores a date field filled in China: local midnight, in UTC."""
    from datetime import date, datetime, time, timedelta

    moment = datetime.combine(date.fromisoformat(day), time()) - timedelta(hours=8)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def deal_record(owner: str, amount: Any, stage: str, day: str) -> dict[str, Any]:
    return {
        OWNER: user(owner),
        AMOUNT: amount,
        STAGE: stage,
        CLOSED: utc_of_local_day(day),
        DEPT: {"name": "华东销售部", "dept_no": 3, "type": 0, "parent_no": 1, "status": 1},
        LINES: [{"_id": "sub1", "_widget_1700000000007": "软件", "_widget_1700000000008": 2}],
        "creator": user("admin"),
        "createTime": "2025-01-01T00:00:00.000Z",
        "updateTime": "2025-01-01T00:00:00.000Z",
    }


def quick_policy(sleeps: list[float] | None = None, attempts: int = 4) -> Any:
    """A retry policy for tests: the same logic, waits recorded instead of slept."""
    from kpiengine import RetryPolicy

    record = sleeps.append if sleeps is not None else (lambda seconds: None)
    return RetryPolicy(attempts=attempts, base_delay=1.0, max_delay=5.0, sleep=record)

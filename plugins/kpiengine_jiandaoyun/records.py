"""Reading a form's records: `data/list` page by page with the `data_id` cursor."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kpiengine import JsonApi, Refused
from kpiengine_jiandaoyun.widgets import Form

WIDGETS = "/api/v5/app/entry/widget/list"
DATA_LIST = "/api/v5/app/entry/data/list"
LIMIT = 100
"""The most records `data/list` returns at once; a shorter page is the last."""


@dataclass(frozen=True)
class FormRef:
    """Which form: the app and form ids from the options."""

    app_id: str
    entry_id: str

    def body(self, **more: Any) -> dict[str, Any]:
        return {"app_id": self.app_id, "entry_id": self.entry_id, **more}


def load_form(api: JsonApi, form: FormRef) -> Form:
    """The form's fields, from `widget/list`."""
    payload = api.post(WIDGETS, form.body())
    if not isinstance(payload, Mapping) or not isinstance(payload.get("widgets"), list):
        raise Refused(f"{api.who}: Jiandaoyun's field list has no `widgets` — check base_url")
    return Form.from_payload(payload)


def _page(payload: Any, who: str) -> list[Mapping[str, Any]]:
    data = payload.get("data") if isinstance(payload, Mapping) else None
    if not isinstance(data, list) or not all(isinstance(r, Mapping) for r in data):
        raise Refused(f"{who}: Jiandaoyun's answer has no list of records (`data`)")
    return data


def pages(
    api: JsonApi,
    form: FormRef,
    fields: Sequence[str] | None = None,
    filter: Mapping[str, Any] | None = None,
) -> Iterator[list[Mapping[str, Any]]]:
    """Every record (of `fields`, matching `filter`), a page at a time, in `_id` order."""
    extra: dict[str, Any] = {"limit": LIMIT}
    if fields:
        extra["fields"] = list(fields)
    if filter:
        extra["filter"] = dict(filter)
    cursor: str | None = None
    while True:
        body = form.body(**extra, **({"data_id": cursor} if cursor else {}))
        page = _page(api.post(DATA_LIST, body), api.who)
        if page:
            yield page
        if len(page) < LIMIT:
            return
        cursor = _next_cursor(page, cursor, api.who)


def _next_cursor(page: Sequence[Mapping[str, Any]], cursor: str | None, who: str) -> str:
    last = page[-1].get("_id")
    # A cursor that does not move would page forever: stop instead.
    if not isinstance(last, str) or not last or last == cursor:
        raise Refused(f"{who}: Jiandaoyun's paging did not advance (record _id {last!r})")
    return last

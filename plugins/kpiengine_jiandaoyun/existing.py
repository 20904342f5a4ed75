"""Finding the rows a previous run wrote, by their key fields, so a re-run updates them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC
from typing import Any

from kpiengine import JsonApi
from kpiengine_jiandaoyun import values
from kpiengine_jiandaoyun.records import FormRef, pages
from kpiengine_jiandaoyun.widgets import Widget

Key = tuple[str, ...]
IN_TYPES = frozenset({"text", "textarea", "radiogroup", "combo", "sn", "user", "dept"})
"""Field types whose values `data/list` can filter with `in`."""
IN_CHUNK = 100
"""Values per `in` condition, under the documented maximum (200, or 1000 in newer docs)."""


def key_of(record: Mapping[str, Any], widgets: Sequence[Widget]) -> Key:
    """A form record's key: its key fields as text (members as usernames)."""
    return tuple(values.text(record.get(w.name), w, UTC) or "" for w in widgets)


def _filters(widgets: Sequence[Widget], keys: Sequence[Key]) -> list[dict[str, Any] | None]:
    """`in` filters on the key field with the fewest distinct values; no filter if none can."""
    usable = [i for i, w in enumerate(widgets) if w.type in IN_TYPES]
    if not usable:
        return [None]
    best = min(usable, key=lambda i: len({k[i] for k in keys}))
    wanted = sorted({k[best] for k in keys})
    widget = widgets[best]
    return [
        {"rel": "and", "cond": [_condition(widget, wanted[i : i + IN_CHUNK])]}
        for i in range(0, len(wanted), IN_CHUNK)
    ]


def _condition(widget: Widget, chunk: Sequence[str]) -> dict[str, Any]:
    return {"field": widget.name, "type": widget.type, "method": "in", "value": list(chunk)}


def existing_rows(
    api: JsonApi, form: FormRef, widgets: Sequence[Widget], keys: Sequence[Key]
) -> dict[Key, str]:
    """Key → the `_id` of the first record in the form with that key, among `keys`."""
    wanted = set(keys)
    found: dict[Key, str] = {}
    names = [w.name for w in widgets]
    for condition in _filters(widgets, keys):
        for page in pages(api, form, names, condition):
            for record in page:
                key = key_of(record, widgets)
                if key in wanted and key not in found:
                    found[key] = str(record["_id"])
    return found

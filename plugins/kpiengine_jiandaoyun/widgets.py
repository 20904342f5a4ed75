"""A form's fields (widgets), and finding one by label, alias or widget name."""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kpiengine import Refused


@dataclass(frozen=True)
class Widget:
    """One field of a form: its API name (the key in records), widget id, label and type."""

    name: str
    widget_name: str
    label: str
    type: str
    items: tuple[Widget, ...] = ()
    """The fields of a subform's rows."""


SYSTEM_WIDGETS = (
    Widget("_id", "_id", "数据ID", "text"),
    Widget("creator", "creator", "提交人", "user"),
    Widget("updater", "updater", "修改人", "user"),
    Widget("createTime", "createTime", "提交时间", "datetime"),
    Widget("updateTime", "updateTime", "更新时间", "datetime"),
    Widget("flowState", "flowState", "流程状态", "number"),
)
"""Fields every form has; their labels are the ones Jiandaoyun shows."""


def widget_from(raw: Mapping[str, Any]) -> Widget:
    """A widget from `/widget/list`; unknown keys are ignored (v6 may add some)."""
    name = str(raw.get("name") or raw.get("widgetName") or "")
    items = tuple(widget_from(i) for i in raw.get("items") or () if isinstance(i, Mapping))
    return Widget(
        name=name,
        widget_name=str(raw.get("widgetName") or name),
        label=str(raw.get("label") or name),
        type=str(raw.get("type") or "text"),
        items=items,
    )


@dataclass(frozen=True)
class Form:
    """The fields of one form, as `/api/v5/app/entry/widget/list` describes them."""

    widgets: tuple[Widget, ...]

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> Form:
        raw = payload.get("widgets") or []
        found = tuple(widget_from(w) for w in raw if isinstance(w, Mapping) and w.get("name"))
        return cls(found + SYSTEM_WIDGETS)

    def user_widgets(self) -> tuple[Widget, ...]:
        """The form's own fields, without the system ones."""
        return tuple(w for w in self.widgets if w not in SYSTEM_WIDGETS)

    def _matches(self, wanted: str) -> Sequence[Widget]:
        for key in ("name", "widget_name", "label"):
            found = [w for w in self.widgets if getattr(w, key) == wanted]
            if found:
                return found
        return []

    def lookup(self, wanted: str, who: str, option: str) -> Widget:
        """The field named `wanted` (API name, widget id or label); `Refused` naming `option`."""
        found = self._matches(wanted)
        if len(found) == 1:
            return found[0]
        if found:
            ids = ", ".join(w.name for w in found)
            raise Refused(
                f"{who}: the Jiandaoyun form has {len(found)} fields labelled '{wanted}' ({ids})"
                f" — write the widget name instead in {option}"
            )
        labels = [w.label for w in self.user_widgets()]
        close = difflib.get_close_matches(wanted, labels, n=1)
        hint = f" — did you mean '{close[0]}'?" if close else ""
        raise Refused(
            f"{who}: the Jiandaoyun form has no field '{wanted}'{hint} "
            f"(fields: {', '.join(labels)}); check {option}"
        )

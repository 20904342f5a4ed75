"""Jiandaoyun field values as the engine's types: text, exact numbers, dates in a time zone.

Members become their username and departments their name (the keys a ruleset matches subjects
on); a subform becomes JSON text, one object per row keyed by the subform's field labels.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from datetime import date, datetime, tzinfo
from decimal import Decimal
from typing import Any

from kpiengine import decimal_text
from kpiengine_jiandaoyun.widgets import Widget

NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
TRUE_WORDS = frozenset({"true", "1", "yes", "是"})
FALSE_WORDS = frozenset({"false", "0", "no", "否"})
JOIN = ", "


def _person(value: Mapping[str, Any]) -> str | None:
    found = value.get("username") or value.get("name")
    return None if found is None else str(found)


def _department(value: Mapping[str, Any]) -> str | None:
    found = value.get("name") or value.get("dept_no")
    return None if found is None else str(found)


def _address(value: Mapping[str, Any]) -> str:
    parts = (value.get(k) for k in ("province", "city", "district", "detail"))
    return "".join(str(p) for p in parts if p)


def _file_names(value: Any) -> str:
    files = value if isinstance(value, list) else [value]
    return JOIN.join(str(f.get("name", "")) for f in files if isinstance(f, Mapping))


def _local_text(value: str, zone: tzinfo) -> str:
    moment = local_datetime(value, zone)
    if moment.hour == moment.minute == moment.second == 0:
        return moment.date().isoformat()
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def _joined(items: Any, one: Any) -> str:
    values = [one(i) for i in items if isinstance(i, Mapping)] if isinstance(items, list) else []
    return JOIN.join(v for v in values if v)


def _subform(rows: Any, widget: Widget, zone: tzinfo) -> str:
    labels = {item.name: item for item in widget.items}
    out = []
    for row in rows if isinstance(rows, list) else []:
        if isinstance(row, Mapping):
            out.append(_subform_row(row, labels, zone))
    return json.dumps(out, ensure_ascii=False, default=_json_number)


def _subform_row(row: Mapping[str, Any], items: Mapping[str, Widget], zone: tzinfo) -> Any:
    cells: dict[str, Any] = {}
    for key, value in row.items():
        if key == "_id":
            continue
        item = items.get(key, Widget(key, key, key, "text"))
        cells[item.label] = value if isinstance(value, Decimal | int) else text(value, item, zone)
    return cells


def _json_number(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(type(value).__name__)


Shaper = Callable[[Any, Widget, tzinfo], str | None]

_SHAPED: dict[str, Shaper] = {
    "user": lambda v, w, z: _person(v) if isinstance(v, Mapping) else None,
    "usergroup": lambda v, w, z: _joined(v, _person),
    "dept": lambda v, w, z: _department(v) if isinstance(v, Mapping) else None,
    "deptgroup": lambda v, w, z: _joined(v, _department),
    "subform": lambda v, w, z: _subform(v, w, z),
    "image": lambda v, w, z: _file_names(v),
    "upload": lambda v, w, z: _file_names(v),
    "signature": lambda v, w, z: _file_names(v),
}


def text(value: Any, widget: Widget, zone: tzinfo) -> str | None:
    """The value as text; None for an empty value."""
    if value is None or value == "" or value == []:
        return None
    if widget.type in _SHAPED:
        return _SHAPED[widget.type](value, widget, zone)
    if widget.type == "datetime" and isinstance(value, str):
        return _local_text(value, zone)
    return _plain_text(value)


def _plain_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal | int):
        return decimal_text(Decimal(value))
    if isinstance(value, list):
        return JOIN.join(_plain_text(v) for v in value if v is not None)
    if isinstance(value, Mapping):
        return _mapping_text(value)
    return str(value)


def _mapping_text(value: Mapping[str, Any]) -> str:
    if "phone" in value:
        return str(value["phone"])
    if "id" in value and len(value) == 1:
        return str(value["id"])
    if any(k in value for k in ("province", "city", "detail")):
        return _address(value)
    return json.dumps(value, ensure_ascii=False, default=_json_number, sort_keys=True)


def local_datetime(value: str, zone: tzinfo) -> datetime:
    """An ISO time (Jiandaoyun's are UTC, `…Z`) in `zone`; a time without offset is local."""
    moment = datetime.fromisoformat(value.strip())
    if moment.tzinfo is None:
        return moment.replace(tzinfo=zone)
    return moment.astimezone(zone)


def day(value: Any, zone: tzinfo) -> date | None:
    """The date in `zone` of a date/time field, ISO text or a millisecond timestamp."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError("is not a date")
    if isinstance(value, Decimal | int):
        return datetime.fromtimestamp(float(value) / 1000, zone).date()
    try:
        return local_datetime(str(value).replace("/", "-"), zone).date()
    except ValueError:
        raise ValueError("is not a date (Jiandaoyun sends YYYY-MM-DDThh:mm:ss.sssZ)") from None


def boolean(value: Any) -> bool | None:
    """true/false, yes/no, 1/0 or 是/否."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    word = _plain_text(value).strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValueError("is not true or false")

"""The jiandaoyun output: each result written into a form; a re-run updates, never duplicates."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any, ClassVar

from kpiengine import (
    JsonApi,
    Output,
    OutputError,
    Redactor,
    Refused,
    Results,
    RetryPolicy,
    decimal_text,
)
from kpiengine.connectors import Caller, guarded
from kpiengine_jiandaoyun.connection import RETRY, form_ref, open_api
from kpiengine_jiandaoyun.existing import Key, existing_rows
from kpiengine_jiandaoyun.options import DEFAULT_KEY_FIELDS, OUTPUT_OPTIONS
from kpiengine_jiandaoyun.records import FormRef, load_form
from kpiengine_jiandaoyun.results_values import Value, result_values
from kpiengine_jiandaoyun.widgets import Widget

BATCH_CREATE = "/api/v5/app/entry/data/batch_create"
UPDATE = "/api/v5/app/entry/data/update"
BATCH = 100
"""The most records one `batch_create` takes."""
WHO = "the jiandaoyun output"

Row = dict[str, Value]


def cell(value: Value, widget: Widget) -> Any:
    """A result value as the form field takes it: numbers for number fields, text otherwise."""
    if widget.type == "number":
        return _as_number(value)
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return decimal_text(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def _as_number(value: Value) -> Decimal | None:
    if isinstance(value, Decimal):
        return value
    try:  # money comes as text with its minor-unit places
        return Decimal(value) if isinstance(value, str) and value else None
    except ArithmeticError:
        return None


def key_text(value: Value) -> str:
    """A key value as it reads back from the form."""
    return str(cell(value, Widget("", "", "", "text")) or "")


class JiandaoyunOutput(Output):
    """Results written into a Jiandaoyun form, one record per person and period.

    New rows are created with `batch_create` (100 at a time, each batch with a transaction id so
    that a resent batch replaces itself); rows already in the form with the same `key_fields`
    are updated with `data/update`. After `write`, `created` and `updated` count the records.
    """

    name: ClassVar[str] = "jiandaoyun"
    options_schema: ClassVar[dict[str, Any]] = OUTPUT_OPTIONS
    retry_policy: ClassVar[RetryPolicy] = RETRY

    def __init__(self, options: Mapping[str, Any], base_dir: Path) -> None:
        super().__init__(options, base_dir)
        self.redactor = Redactor.for_options(options, OUTPUT_OPTIONS)
        self.fields: Mapping[str, str] = options.get("fields") or {}
        self.key_fields: list[str] = list(options.get("key_fields") or DEFAULT_KEY_FIELDS)
        self.created = 0
        self.updated = 0

    def write(self, results: Results) -> None:
        """Create or update one record per result; raise OutputError naming what to fix."""
        rows = [result_values(r, results.money_places) for r in results.rows]
        with guarded(WHO, OutputError, self.redactor):
            self._check_keys(rows)
            if rows:
                self._write(rows)

    def _check_keys(self, rows: Sequence[Row]) -> None:
        missing = [k for k in self.key_fields if k not in self.fields]
        if missing:
            raise Refused(f"{WHO}: key_fields {', '.join(missing)} must also be in fields")
        known = set(rows[0]) if rows else set(self.fields)
        unknown = [k for k in self.fields if k not in known]
        if unknown:
            raise Refused(
                f"{WHO}: fields names no result value {', '.join(unknown)} "
                f"(results have: {', '.join(sorted(known))})"
            )

    def _write(self, rows: Sequence[Row]) -> None:
        caller = Caller.from_options(
            WHO, OutputError, self.redactor, self.retry_policy, self.options
        )
        with open_api(self.options, caller, "key_fields") as api:
            self._save(api, form_ref(self.options), rows)

    def _save(self, api: JsonApi, ref: FormRef, rows: Sequence[Row]) -> None:
        form = load_form(api, ref)
        targets = {k: form.lookup(v, WHO, "the option fields") for k, v in self.fields.items()}
        keys = [self._key(row) for row in rows]
        found = existing_rows(api, ref, [targets[k] for k in self.key_fields], keys)
        pairs = list(zip(rows, keys, strict=True))
        self._create(api, ref, [self._data(row, targets) for row, key in pairs if key not in found])
        for row, key in pairs:
            if key in found:
                self._update(api, ref, found[key], self._data(row, targets))

    def _key(self, row: Row) -> Key:
        return tuple(key_text(row.get(k)) for k in self.key_fields)

    @staticmethod
    def _data(row: Row, targets: Mapping[str, Widget]) -> dict[str, Any]:
        return {w.name: {"value": cell(row.get(k), w)} for k, w in targets.items()}

    def _create(self, api: JsonApi, ref: FormRef, records: Sequence[dict[str, Any]]) -> None:
        for start in range(0, len(records), BATCH):
            chunk = list(records[start : start + BATCH])
            body = ref.body(
                data_list=chunk,
                transaction_id=str(uuid.uuid4()),
                is_start_workflow=False,
                is_start_trigger=False,
            )
            answer = api.post(BATCH_CREATE, body, kind="batch")
            self._check_created(answer, len(chunk))
            self.created += len(chunk)

    @staticmethod
    def _check_created(answer: Any, sent: int) -> None:
        count = answer.get("success_count") if isinstance(answer, Mapping) else None
        if count is not None and int(count) != sent:
            raise Refused(
                f"{WHO}: Jiandaoyun saved {count} of {sent} records — run again: the rows it "
                "saved are updated, the others created"
            )

    def _update(self, api: JsonApi, ref: FormRef, data_id: str, data: dict[str, Any]) -> None:
        body = ref.body(
            data_id=data_id,
            data=data,
            transaction_id=str(uuid.uuid4()),
            is_start_trigger=False,
        )
        api.post(UPDATE, body, kind="write")
        self.updated += 1

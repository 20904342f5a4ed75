"""Search records as an Arrow table typed as the engine asks, with owners and stages looked up.

A JSON API hands over records one by one, so each page is converted in Python (at most 200
records a page, a few pages a second: the network, not this loop, sets the pace).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from kpiengine import Refused
from kpiengine.connectors import ARROW_TYPES
from kpiengine_hubspot import values
from kpiengine_hubspot.fields import Column
from kpiengine_hubspot.owners import Owner
from kpiengine_hubspot.pipelines import Stage

Record = Mapping[str, Any]
SHOWN = 5
"""How many unknown ids a note lists."""


def schema(columns: Sequence[Column]) -> pa.Schema:
    return pa.schema([(c.name, ARROW_TYPES[c.kind]) for c in columns])


@dataclass
class Lookups:
    """Owners and stages to look values up in, and the ids they did not know."""

    owner_key: str = "email"
    currency: str | None = None
    """The `currency` option: the currency of deals that carry none."""
    owners: Mapping[str, Owner] = field(default_factory=dict)
    stages: Mapping[str, Stage] = field(default_factory=dict)
    unknown_owners: set[str] = field(default_factory=set)
    unknown_stages: set[str] = field(default_factory=set)

    def owner(self, owner_id: str) -> str:
        """The owner as `owner_key` asks; the id itself when HubSpot's owners lack it."""
        if self.owner_key == "id":
            return owner_id
        found = self.owners.get(owner_id)
        key = found.key(self.owner_key) if found else None
        if key is None:
            self.unknown_owners.add(owner_id)
            return owner_id
        return key

    def stage(self, stage_id: str) -> Stage | None:
        found = self.stages.get(stage_id)
        if found is None:
            self.unknown_stages.add(stage_id)
        return found

    def notes(self, who: str) -> list[str]:
        """Sentences about the ids that could not be looked up."""
        found = []
        if self.unknown_owners:
            found.append(
                f"{who}: {len(self.unknown_owners)} owner(s) have no {self.owner_key} in "
                f"HubSpot's owners list ({_ids(self.unknown_owners)}); their deals show the "
                "owner id instead"
            )
        if self.unknown_stages:
            found.append(
                f"{who}: {len(self.unknown_stages)} stage id(s) are in no HubSpot pipeline "
                f"({_ids(self.unknown_stages)}); those deals show the stage id and are not won"
            )
        return found


def _ids(ids: set[str]) -> str:
    shown = sorted(ids)[:SHOWN]
    return ", ".join(shown) + (", …" if len(ids) > SHOWN else "")


def _raw(record: Record, prop: str) -> str | None:
    props = record.get("properties")
    value = props.get(prop) if isinstance(props, Mapping) else None
    return None if value is None or value == "" else str(value)


def text_of(column: Column, record: Record, lookups: Lookups) -> str | None:
    """The column's value for `record` as HubSpot-style text, before typing."""
    if column.role == "id" or column.prop is None:
        return str(record.get("id"))
    raw = _raw(record, column.prop)
    if raw is None:
        return lookups.currency if column.role == "currency" else None
    if column.role == "owner":
        return lookups.owner(raw)
    if column.role in ("stage", "won"):
        stage = lookups.stage(raw)
        if column.role == "stage":
            return stage.label if stage else raw
        return "true" if stage and stage.won else "false"
    return values.utc_text(raw) if column.role == "modified" else raw


def _cells(records: Sequence[Record], column: Column, lookups: Lookups, who: str) -> list[Any]:
    convert: Callable[[str], Any] = values.converter(column.kind, column.zone)
    cells = []
    for record in records:
        try:
            text = text_of(column, record, lookups)
            cells.append(None if text is None else convert(text))
        except (ValueError, ArithmeticError) as exc:
            shown = (_raw(record, column.prop) if column.prop else None) or ""
            raise Refused(
                f"{who}: HubSpot record {record.get('id')} has '{shown[:60]}' in "
                f"'{column.name}', which {exc}"
            ) from None
    return cells


def page_batch(
    records: Sequence[Record], columns: Sequence[Column], lookups: Lookups, who: str
) -> pa.RecordBatch:
    """One page of records as a record batch with the columns' Arrow types."""
    arrays = [pa.array(_cells(records, c, lookups, who), ARROW_TYPES[c.kind]) for c in columns]
    return pa.RecordBatch.from_arrays(arrays, schema=schema(columns))


class Collector:
    """Pages of records gathered into one table, one row per record id: its last version.

    A record can come twice: at a search restart (the records sharing the restart's time) or
    when it changed while the pages were read. `keep` says whether a record belongs to the
    result; ids whose last version does not are `dropped`.
    """

    def __init__(self, columns: Sequence[Column], lookups: Lookups, who: str) -> None:
        self.columns = columns
        self.lookups = lookups
        self.who = who
        self.batches: list[pa.RecordBatch] = []
        self.ids: list[str] = []
        self.kept: list[bool] = []

    def add(self, records: Sequence[Record], keep: Callable[[Record], bool] | None = None) -> None:
        self.batches.append(page_batch(records, self.columns, self.lookups, self.who))
        self.ids.extend(str(r.get("id")) for r in records)
        self.kept.extend(keep(r) if keep else True for r in records)

    def result(self) -> tuple[pa.Table, frozenset[str]]:
        """The table of kept records (last versions, in order) and the ids dropped."""
        last = {record_id: i for i, record_id in enumerate(self.ids)}
        rows = sorted(i for i in last.values() if self.kept[i])
        dropped = frozenset(r for r, i in last.items() if not self.kept[i])
        table = pa.Table.from_batches(self.batches, schema=schema(self.columns))
        if len(rows) == table.num_rows:
            return table, dropped
        return table.take(pa.array(rows, pa.int64())), dropped

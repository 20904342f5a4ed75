"""Pipelines and their stages from `/crm/v3/pipelines/{object}`: stage labels and `won`.

A stage is won when HubSpot marks it closed (`metadata.isClosed` "true") with a probability of
1.0 (`metadata.probability`) — how HubSpot's own "Closed won" stage is described. The
specification requires `probability` for deal stages while `isClosed` comes from common use, so
a stage without `isClosed` is won on a probability of 1.0 alone.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from kpiengine import JsonApi, Refused
from kpiengine_hubspot.listing import results


@dataclass(frozen=True)
class Stage:
    """One stage: its internal id (a deal's `dealstage`), label, pipeline, and whether won."""

    id: str
    label: str
    pipeline: str
    won: bool


@dataclass(frozen=True)
class Pipelines:
    """The object's pipelines (id → label) and every stage by id."""

    labels: Mapping[str, str]
    stages: Mapping[str, Stage]

    def resolve(self, wanted: str, who: str) -> str:
        """The id of the pipeline named `wanted` (its id or label); `Refused` naming the option."""
        if wanted in self.labels:
            return wanted
        by_label = [pid for pid, label in self.labels.items() if label == wanted]
        if len(by_label) == 1:
            return by_label[0]
        close = difflib.get_close_matches(wanted, list(self.labels.values()), n=1)
        hint = f" — did you mean '{close[0]}'?" if close else ""
        known = ", ".join(f"{label} ({pid})" for pid, label in self.labels.items())
        raise Refused(
            f"{who}: HubSpot has no pipeline '{wanted}'{hint} (pipelines: {known}); check the "
            "option pipeline"
        )


def _probability(metadata: Mapping[str, Any]) -> Decimal | None:
    try:
        return Decimal(str(metadata.get("probability")))
    except InvalidOperation:
        return None


def is_won(metadata: Any) -> bool:
    """Closed (when HubSpot says) with probability 1.0."""
    if not isinstance(metadata, Mapping):
        return False
    closed = str(metadata.get("isClosed", "true")).strip().lower() == "true"
    return closed and _probability(metadata) == 1


def _stages(pipeline: Mapping[str, Any]) -> list[Stage]:
    pid = str(pipeline.get("id") or "")
    raw = pipeline.get("stages")
    return [
        Stage(str(s.get("id")), str(s.get("label") or s.get("id")), pid, is_won(s.get("metadata")))
        for s in (raw if isinstance(raw, list) else [])
        if isinstance(s, Mapping) and s.get("id") is not None
    ]


def load_pipelines(api: JsonApi, object_type: str) -> Pipelines:
    """Every pipeline of `object_type` with its stages."""
    payload = api.get(f"/crm/v3/pipelines/{object_type}")
    found = results(payload, api.who, "pipelines")
    labels = {str(p.get("id")): str(p.get("label") or p.get("id")) for p in found}
    stages = {stage.id: stage for p in found for stage in _stages(p)}
    return Pipelines(labels, stages)

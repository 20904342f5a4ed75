"""Assemble the typed Ruleset from a schema-checked document, section by section."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from kpiengine.expressions import FunctionTable
from kpiengine.plan.build import (
    RESULT_NAMES,
    Builder,
    build_feedback,
    build_grades,
    build_indicators,
    build_metrics,
    build_outputs,
    build_sources,
    build_subjects,
    build_targets,
    dotted,
    indicator_ids,
    number,
    order_indicators,
    result_scope,
    sha256_of,
)
from kpiengine.plan.build_incentives import build_incentives
from kpiengine.plan.kinds import result_kinds
from kpiengine.plan.problems import Problem
from kpiengine.plan.ruleset import Calendar, Ruleset
from kpiengine.plan.yamlload import Document


def build_ruleset(
    doc: Document,
    path: Path,
    functions: FunctionTable,
    source_fields: Mapping[str, frozenset[str] | None],
) -> tuple[Ruleset, list[Problem]]:
    """The typed ruleset and every semantic problem (unknown names, bands, weights, cycles)."""
    data: Mapping[str, Any] = doc.data if isinstance(doc.data, Mapping) else {}
    b = Builder(doc, functions, source_fields, result_kinds(data))
    sources = build_sources(data)
    metrics = build_metrics(b, data, sources)
    calendar = data.get("calendar") or {}
    indicators = build_indicators(b, data, sources, metrics)
    grades = build_grades(b, data)
    subjects = build_subjects(b, data, sources)
    groups = subjects.groups
    team_names = dotted(f"{g}.{i}" for g in groups for i in indicator_ids(data))
    scope = result_scope(data, metrics) | frozenset(RESULT_NAMES) | team_names
    ruleset = Ruleset(
        file=path,
        sha256=sha256_of(doc.text),
        name=str(data.get("name", "")),
        locale=str(data.get("locale", "en")),
        currency=str(data.get("currency", "CNY")),
        calendar=Calendar(
            int(number(calendar.get("year", 0))), calendar.get("frequency", "quarter")
        ),
        sources=sources,
        subjects=subjects,
        targets=build_targets(b, data, sources),
        metrics=metrics,
        indicators=indicators,
        order=order_indicators(b, indicators),
        grades=grades,
        feedback=build_feedback(b, data, scope),
        outputs=build_outputs(data),
        incentives=build_incentives(b, data, scope, sources, grades, groups),
        weights="free" if str(data.get("weights", "100")) == "free" else "100",
    )
    return ruleset, b.problems

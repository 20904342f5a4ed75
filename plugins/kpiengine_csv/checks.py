"""The data checks as a CSV file beside the results (the csv output's `checks` option): a CSV of
results has no room for them, and a payroll reading it must see them."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Sequence

from kpiengine import Check, neutralised_cell

HEADER = ("code", "severity", "source", "message", "counts", "examples")


def checks_csv(checks: Sequence[Check], delimiter: str) -> Iterator[bytes]:
    """One row per check, UTF-8: counts as a JSON object, examples joined by `; `; no cell is
    taken for a formula (`neutralised_cell`): messages and examples quote the data."""
    text = io.StringIO()
    writer = csv.writer(text, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(HEADER)
    for check in checks:
        counts = json.dumps(dict(check.counts), ensure_ascii=False, sort_keys=True)
        cells = (
            check.code,
            check.severity,
            check.source or "",
            check.message,
            counts,
            "; ".join(check.examples),
        )
        writer.writerow(neutralised_cell(cell) for cell in cells)
    yield text.getvalue().encode("utf-8")

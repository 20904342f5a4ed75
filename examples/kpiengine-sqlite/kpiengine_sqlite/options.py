"""The sqlite source's options, as the JSON Schema kpiengine validates with the ruleset."""

from __future__ import annotations

from typing import Any

OPTIONS: dict[str, Any] = {
    "type": "object",
    "title": "sqlite source options",
    "description": "Read records from one table (or view) of a SQLite database file.",
    "properties": {
        "path": {
            "type": "string",
            "minLength": 1,
            "x-kpiengine": "file-read",
            "title": "database file",
            "description": "The SQLite file; a relative path is read from the ruleset's folder.",
        },
        "table": {
            "type": "string",
            "minLength": 1,
            "title": "table",
            "description": "The table or view to read, e.g. deals.",
        },
        "date_column": {
            "type": "string",
            "minLength": 1,
            "title": "period column",
            "description": "Read only the run's period, filtering on this column in SQL. Set it "
            "only when every indicator and metric on this source dates records by this column; "
            "dates must be stored as ISO text (2025-03-01, optionally with a time).",
        },
    },
    "required": ["path", "table"],
    "additionalProperties": False,
}

"""The parquet source's options: read when a ruleset is loaded, without the source's code."""

from __future__ import annotations

from typing import Any

OPTIONS: dict[str, Any] = {
    "type": "object",
    "title": "parquet source options",
    "description": "Read a Parquet file, e.g. one exported by a data warehouse.",
    "properties": {
        "path": {
            "type": "string",
            "minLength": 1,
            "x-kpiengine": "file-read",
            "title": "file",
            "description": "The .parquet file; a relative path is from the ruleset's folder.",
        },
    },
    "required": ["path"],
    "additionalProperties": False,
}

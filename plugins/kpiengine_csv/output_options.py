"""The csv output's options: read when a ruleset is loaded, without the output's code."""

from __future__ import annotations

from typing import Any

OUTPUT_OPTIONS: dict[str, Any] = {
    "type": "object",
    "title": "csv output options",
    "description": "Write the results as a CSV file, one row per person and period.",
    "properties": {
        "path": {
            "type": "string",
            "minLength": 1,
            "x-kpiengine": "file-written",
            "title": "file",
            "description": "Where to write; a relative path is from the ruleset's folder, "
            "and - prints to the screen.",
        },
        "delimiter": {
            "type": "string",
            "minLength": 1,
            "maxLength": 1,
            "default": ",",
            "title": "delimiter",
            "description": "The character between values.",
        },
        "checks": {
            "type": "string",
            "minLength": 1,
            "x-kpiengine": "file-written",
            "title": "checks file",
            "description": "Also write the data checks' findings (code, severity, source, "
            "message, counts, examples) as a CSV at this path, in the same encoding and with the "
            "same delimiter — a CSV of results has no room for them. A relative path is from the "
            "ruleset's folder (from the current folder with -o).",
        },
        "encoding": {
            "enum": ["utf-8-sig", "utf-8", "gbk", "gb18030"],
            "default": "utf-8-sig",
            "title": "encoding",
            "description": "utf-8-sig (the default) lets Excel open Chinese text correctly; "
            "printed (path -), the default is utf-8, without the BOM.",
        },
    },
    "required": ["path"],
    "additionalProperties": False,
}

"""The json output's options: read when a ruleset is loaded, without the output's code."""

from __future__ import annotations

from typing import Any

OUTPUT_OPTIONS: dict[str, Any] = {
    "type": "object",
    "title": "json output options",
    "description": "Write the results as one JSON document, for other programs to read.",
    "properties": {
        "path": {
            "type": "string",
            "minLength": 1,
            "x-kpiengine": "file-written",
            "title": "file",
            "description": "Where to write; a relative path is from the ruleset's folder, "
            "and - prints to the screen.",
        },
        "indent": {
            "type": ["integer", "null"],
            "minimum": 0,
            "maximum": 8,
            "default": 2,
            "title": "indent",
            "description": "Spaces per level of the document's outline, each result on a "
            "line of its own; null writes the whole document on one line.",
        },
    },
    "required": ["path"],
    "additionalProperties": False,
}

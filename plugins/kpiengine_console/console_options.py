"""The options of the console output, as the JSON Schema validated with the ruleset."""

from __future__ import annotations

from typing import Any

PARTS = (
    "groups",
    "scores",
    "total",
    "grade",
    "ranks",
    "payout",
    "honors",
    "warnings",
    "feedback",
    "group_results",
)
"""What the console can show besides ID and name; all of it unless `show` picks some."""

OUTPUT_OPTIONS: dict[str, Any] = {
    "type": "object",
    "title": "console output options",
    "description": "Print a table of the results per period.",
    "properties": {
        "width": {
            "type": "integer",
            "minimum": 40,
            "title": "width",
            "description": "Characters per line; by default the terminal's width (200 when "
            "the output goes to a file or a pipe).",
        },
        "show": {
            "type": "array",
            "items": {"enum": list(PARTS)},
            "uniqueItems": True,
            "title": "show",
            "description": "Only these parts, e.g. [scores, total, grade]; ID and name always "
            "show. By default everything.",
        },
    },
    "additionalProperties": False,
}

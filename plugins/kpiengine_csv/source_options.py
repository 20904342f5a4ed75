"""The options of the csv source, as the JSON Schema validated with the ruleset."""

from __future__ import annotations

from typing import Any

from kpiengine_csv.csvfile import ENCODINGS
from kpiengine_csv.limits import MAX_CELL_BYTES, MAX_COLUMNS, MAX_LINE_BYTES

TYPE_NAMES = ["string", "number", "integer", "date", "boolean"]

SOURCE_OPTIONS: dict[str, Any] = {
    "type": "object",
    "title": "csv source options",
    "description": "Read records from a CSV file, such as an Excel or CRM export.",
    "properties": {
        "path": {
            "type": "string",
            "minLength": 1,
            "x-kpiengine": "file-read",
            "title": "file",
            "description": "The CSV file; a relative path is read from the ruleset's folder.",
        },
        "delimiter": {
            "type": "string",
            "minLength": 1,
            "maxLength": 1,
            "default": ",",
            "title": "delimiter",
            "description": 'The character between values: "," (default), ";", "|" or "\\t".',
        },
        "encoding": {
            "enum": list(ENCODINGS),
            "default": "utf-8",
            "title": "encoding",
            "description": "How the file's text is stored; Chinese Excel often saves gbk. "
            "utf-8 also reads a file that starts with a byte-order mark.",
        },
        "on_error": {
            "enum": ["stop", "skip"],
            "default": "stop",
            "title": "on a bad row",
            "description": "What a bad row does. A row is bad when a value is not of its "
            "column's type (a number, a date…) or it has more or fewer values than the header. "
            "stop: the run fails naming the line; skip: the row is set aside and the run goes "
            "on (see `rejects`).",
        },
        "rejects": {
            "type": "string",
            "minLength": 1,
            "x-kpiengine": "file-written",
            "title": "rejects report",
            "description": "With on_error: skip, a CSV file listing each row set aside: line, "
            "column, value, reason and the original row, one line per bad value (UTF-8 that "
            "Excel opens). Relative to the ruleset's folder. Without it the run names only the "
            "first bad row.",
        },
        "types": {
            "type": "object",
            "title": "column types",
            "description": "Force a column's type instead of the one the ruleset needs. Numbers "
            "accept 1200, -3.5, 1e3, 1,200,000 and 85%; dates YYYY-MM-DD, YYYY/M/D, "
            "2025年3月1日 and a timestamp's date; booleans true/false, yes/no, 1/0, 是/否.",
            "additionalProperties": {
                "enum": TYPE_NAMES,
                "description": "string (the text as written), number, integer (a whole "
                "number), date or boolean.",
            },
        },
        "max_line_bytes": {
            "type": "integer",
            "minimum": 1024,
            "maximum": 64 * 1024 * 1024,
            "default": MAX_LINE_BYTES,
            "title": "longest line",
            "description": "The most bytes (counted in UTF-8) one line may hold, the header "
            "included, and one row whose quoted value spans lines. A longer one stops the run "
            "naming its line, even with on_error: skip — it is never dropped. The default is 1 "
            "MiB.",
        },
        "max_cell_bytes": {
            "type": "integer",
            "minimum": 1,
            "maximum": 64 * 1024 * 1024,
            "default": MAX_CELL_BYTES,
            "title": "longest value",
            "description": "The most bytes (counted in UTF-8) a value the plan reads may hold; a "
            "longer one stops the run naming its line and column. The default, 128 KiB, is "
            "above the longest cell Excel saves.",
        },
        "max_columns": {
            "type": "integer",
            "minimum": 1,
            "maximum": 16384,
            "default": MAX_COLUMNS,
            "title": "most columns",
            "description": "The most columns the header may name; a wider file is refused "
            "before its rows are read. The most it can be set to is Excel's own limit.",
        },
    },
    "required": ["path"],
    "additionalProperties": False,
}

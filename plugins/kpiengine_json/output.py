"""The json output: the results document, byte-identical for identical results."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, ClassVar

import orjson

from kpiengine import Output, OutputError, Results, atomic_write, results_document

OUTPUT_OPTIONS: dict[str, Any] = {
    "type": "object",
    "title": "json output options",
    "description": "Write the results as one JSON document, for other programs to read.",
    "properties": {
        "path": {
            "type": "string",
            "minLength": 1,
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
            "description": "Spaces per nesting level; null writes the document on one line.",
        },
    },
    "required": ["path"],
    "additionalProperties": False,
}


ORJSON_INDENTS = {None: 0, 2: orjson.OPT_INDENT_2}
"""Indents orjson writes (most documents); any other width goes through the standard library."""


def results_json(results: Results, indent: int | None = 2) -> str:
    """The results document as text, ending with a newline; same results, same bytes."""
    document = results_document(results)
    if indent in ORJSON_INDENTS:
        return orjson.dumps(document, option=ORJSON_INDENTS[indent]).decode("utf-8") + "\n"
    return json.dumps(document, ensure_ascii=False, indent=indent, sort_keys=False) + "\n"


class JsonOutput(Output):
    """Results as the JSON document that tools and tests read (DESIGN §4)."""

    name: ClassVar[str] = "json"
    target_option: ClassVar[str | None] = "path"
    options_schema: ClassVar[dict[str, Any]] = OUTPUT_OPTIONS

    def write(self, results: Results) -> None:
        """Write the document; the previous file stays whole if anything fails."""
        text = results_json(results, self.options.get("indent", 2))
        if self.options["path"] == "-":
            sys.stdout.write(text)
            return
        path = Path(self.base_dir, self.options["path"])
        try:
            with atomic_write(path, encoding="utf-8", newline="") as handle:
                handle.write(text)
        except OSError as exc:
            raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from exc

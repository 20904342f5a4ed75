"""The json output: the results document of docs/results.md, byte-identical for identical
results."""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from kpiengine import Output, OutputError, Results, atomic_write, json_document, write_stdout

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
            "description": "Spaces per level of the document's outline, each result on a "
            "line of its own; null writes the whole document on one line.",
        },
    },
    "required": ["path"],
    "additionalProperties": False,
}


class JsonOutput(Output):
    """Results as the JSON document that tools and tests read (docs/results.md)."""

    name: ClassVar[str] = "json"
    target_option: ClassVar[str | None] = "path"
    options_schema: ClassVar[dict[str, Any]] = OUTPUT_OPTIONS

    def write(self, results: Results) -> None:
        """Write the document; the previous file stays whole if anything fails."""
        chunks = json_document(results, self.options.get("indent", 2))
        if self.options["path"] == "-":
            write_stdout(chunks)
            return
        path = Path(self.base_dir, self.options["path"])
        try:
            with atomic_write(path, mode="wb", encoding=None) as handle:
                for chunk in chunks:
                    handle.write(chunk)
        except OSError as exc:
            raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from exc

"""The json output: the results document, byte-identical for identical results."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import orjson

from kpiengine import Output, OutputError, Results, atomic_write, result_table, write_stdout

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


def _dumps(value: Any) -> bytes:
    return orjson.dumps(value)


def _array(chunks: Iterator[bytes], pad: bytes, newline: bytes) -> Iterator[bytes]:
    """`[`, the items (chunks of JSON objects), `]`: one item per line when indented."""
    first = True
    for chunk in chunks:
        yield (b"[" if first else b",") + newline + pad * 2 + chunk
        first = False
    yield b"[]" if first else newline + pad + b"]"


def document_chunks(results: Results, indent: int | None = 2) -> Iterator[bytes]:
    """The results document (DESIGN §4) in UTF-8, a batch of rows at a time; same results, same
    bytes. Indented, the outline has `indent` spaces a level and each result is one line."""
    table = result_table(results)
    newline, pad, colon = (b"", b"", b":") if indent is None else (b"\n", b" " * indent, b": ")
    head = {
        "kpiengine": 1,
        "ruleset": {"name": results.ruleset_name, "sha256": results.ruleset_sha256},
        "periods": list(results.periods),
    }
    yield b"{"
    for key, value in head.items():
        yield newline + pad + _dumps(key) + colon + _dumps(value) + b","
    between = (b"," + newline + pad * 2).decode("ascii")
    yield newline + pad + b'"results"' + colon
    yield from _array(table.result_json(between), pad, newline)
    yield b"," + newline + pad + b'"groups"' + colon
    yield from _array(table.group_json(between), pad, newline)
    yield newline + b"}\n"


def results_json(results: Results, indent: int | None = 2) -> str:
    """The whole document as one text (for tests and small runs)."""
    return b"".join(document_chunks(results, indent)).decode("utf-8")


class JsonOutput(Output):
    """Results as the JSON document that tools and tests read (DESIGN §4)."""

    name: ClassVar[str] = "json"
    target_option: ClassVar[str | None] = "path"
    options_schema: ClassVar[dict[str, Any]] = OUTPUT_OPTIONS

    def write(self, results: Results) -> None:
        """Write the document; the previous file stays whole if anything fails."""
        chunks = document_chunks(results, self.options.get("indent", 2))
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

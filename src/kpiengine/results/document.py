"""The JSON results document (docs/results.md), written by DuckDB a batch of rows at a time.

The one JSON renderer: the json output writes it, and a row's object in it is the table's
`json_rows()` text, so `explain` can print exactly what `run` wrote.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import orjson

from kpiengine.results.model import Results

DOCUMENT_VERSION = 1
"""The document's `kpiengine` key: raised when a key changes meaning or goes away."""


def _array(chunks: Iterator[bytes], pad: bytes, newline: bytes) -> Iterator[bytes]:
    """`[`, the items (chunks of JSON objects), `]`: one item per line when indented."""
    first = True
    for chunk in chunks:
        yield (b"[" if first else b",") + newline + pad * 2 + chunk
        first = False
    yield b"[]" if first else newline + pad + b"]"


def _head(results: Results) -> dict[str, Any]:
    return {
        "kpiengine": DOCUMENT_VERSION,
        "ruleset": {"name": results.ruleset_name, "sha256": results.ruleset_sha256},
        "run": {"id": results.run_id},
        "periods": list(results.periods),
    }


def json_document(results: Results, indent: int | None = 2) -> Iterator[bytes]:
    """The results document in UTF-8, a batch of rows at a time; same results, same bytes.
    Indented, the outline has `indent` spaces a level and each row is one line; with None the
    whole document is one line."""
    table = results.table
    newline, pad, colon = (b"", b"", b":") if indent is None else (b"\n", b" " * indent, b": ")
    yield b"{"
    for key, value in _head(results).items():
        yield newline + pad + orjson.dumps(key) + colon + orjson.dumps(value) + b","
    between = (b"," + newline + pad * 2).decode("ascii")
    yield newline + pad + b'"checks"' + colon
    yield from _array((orjson.dumps(c.as_json()) for c in results.checks), pad, newline)
    yield b","
    yield newline + pad + b'"results"' + colon
    yield from _array(table.result_json(between), pad, newline)
    yield b"," + newline + pad + b'"groups"' + colon
    yield from _array(table.group_json(between), pad, newline)
    yield newline + b"}\n"

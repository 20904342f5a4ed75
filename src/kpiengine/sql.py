"""Small SQL text helpers shared by the modules that talk to DuckDB."""

from __future__ import annotations


def ident(name: str) -> str:
    """A quoted DuckDB identifier: any text, including Chinese and quotes, is safe."""
    return '"' + name.replace('"', '""') + '"'


def literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"

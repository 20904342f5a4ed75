"""The command line: thin click commands that parse arguments, call the library and format."""

from __future__ import annotations

from kpiengine.cli.commands import cli, main

__all__ = ["cli", "main"]

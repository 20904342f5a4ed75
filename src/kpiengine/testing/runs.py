"""A whole `kpiengine run` in-process, for a plugin's end-to-end tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from kpiengine.cli.commands import cli


def run_results(ruleset: Path | str, *args: str) -> dict[str, Any]:
    """The JSON results of `kpiengine run --ruleset R -o json:- --no-cache ARGS…`.

    Fails the test with kpiengine's own messages when the run does not succeed. The cache is off
    so each test sees the data it set up.
    """
    command = ["run", "--ruleset", str(ruleset), "-o", "json:-", "--no-cache", *args]
    result = CliRunner().invoke(cli, command, catch_exceptions=False)
    assert result.exit_code == 0, f"kpiengine {' '.join(command)} failed:\n{result.output}"
    document: dict[str, Any] = json.loads(result.stdout)
    return document

"""What the tests share by import: the repository's paths and the CLI run in-process."""

import json
from pathlib import Path

from click.testing import CliRunner

from kpiengine.cli.commands import cli

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "rulesets" / "2025.yaml"


def invoke(*args, **kwargs):
    result = CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False, **kwargs)
    return result


def run_json(ruleset=EXAMPLE, *extra):
    result = invoke("run", "--ruleset", ruleset, "-o", "json:-", *extra)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)

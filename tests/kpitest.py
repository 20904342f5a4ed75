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


def from_variable(ruleset, value, variable):
    """Rewrite the ruleset at `ruleset` to take each `"value"` written in it from `${variable}`."""
    text = ruleset.read_text("utf-8")
    assert f'"{value}"' in text
    ruleset.write_text(text.replace(f'"{value}"', f'"${{{variable}}}"'), "utf-8")
    return ruleset

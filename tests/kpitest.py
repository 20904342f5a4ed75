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


def comparable(document):
    """A results document without what differs between sources of the same records: the
    ruleset's hash and the run id (made from it and the records as each source delivers them),
    where checks found records (a file's line, an API's record number), and
    the notes (`info`) on how many records were fetched and how (an API is asked only for the
    plan's dates, a file holds them all; from the cache or not)."""
    document = dict(document)
    del document["ruleset"]
    del document["run"]
    document["checks"] = [
        (c["code"], c["severity"], c["counts"])
        for c in document["checks"]
        if c["severity"] != "info"
    ]
    return document


def from_variable(ruleset, value, variable):
    """Rewrite the ruleset at `ruleset` to take each `"value"` written in it from `${variable}`."""
    text = ruleset.read_text("utf-8")
    assert f'"{value}"' in text
    ruleset.write_text(text.replace(f'"{value}"', f'"${{{variable}}}"'), "utf-8")
    return ruleset

import json
import socket
from pathlib import Path

import pytest
from click.testing import CliRunner

from kpiengine.cli import cli

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "rulesets" / "2025.yaml"


@pytest.fixture(autouse=True)
def no_internet(monkeypatch):
    """A test that would reach beyond this machine fails instead of passing."""
    real_connect = socket.socket.connect

    def guarded(self, address):
        host = address[0] if isinstance(address, tuple) else address
        if isinstance(host, str) and not (
            host.startswith("127.") or host in ("::1", "localhost") or self.family == socket.AF_UNIX
        ):
            raise OSError(f"test tried to reach {host}: tests never use the internet")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)


def invoke(*args, **kwargs):
    result = CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False, **kwargs)
    return result


def run_json(ruleset=EXAMPLE, *extra):
    result = invoke("run", "--ruleset", ruleset, "-o", "json:-", *extra)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.fixture(scope="session")
def example_results():
    return run_json()

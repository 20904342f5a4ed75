import socket

import pytest
from kpitest import run_json


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


@pytest.fixture(scope="session")
def example_results():
    return run_json()

"""What the tests of hangs and blow-ups share: a hang fails the test instead of hanging the
suite, and a child process cannot take more than a bounded share of the machine's memory."""

import resource
import subprocess
import sys
import threading
from pathlib import Path

import pytest

KPIENGINE = Path(sys.executable).with_name("kpiengine")
CHILD_MEMORY = 3 << 30
"""Address space a `kpiengine` child may map: a blow-up ends in its MemoryError, not the
machine's."""
PATIENCE = 60
"""Seconds before a call counts as hung: far above what any of them takes when it works."""


def within(fn, seconds=PATIENCE, release=None):
    """`fn()`'s result (or its exception); the test fails if it is still running after `seconds`,
    after calling `release()` to unblock the thread left behind."""
    outcome = {}

    def target():
        try:
            outcome["value"] = fn()
        except BaseException as exc:
            outcome["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        if release is not None:
            release()
        pytest.fail(f"still running after {seconds} s: it hangs")
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


def _bounded_memory():
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = CHILD_MEMORY if hard == resource.RLIM_INFINITY else min(CHILD_MEMORY, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def kpiengine(*args, cwd, seconds=PATIENCE):
    """The command line as its own process, with bounded memory; fails the test on a hang."""
    try:
        return subprocess.run(
            [str(KPIENGINE), *map(str, args)],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=seconds,
            preexec_fn=_bounded_memory,
            check=False,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"kpiengine {' '.join(map(str, args))} still running after {seconds} s")

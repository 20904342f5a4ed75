"""Rulesets and key files are regular files: a FIFO would hang whoever opens it and a device
such as /dev/zero never ends, so each is refused with a sentence saying what it is."""

import os
import re

import pytest
from guards import kpiengine, within

from kpiengine import FetchRequest, NotRegularFile, SourceError, open_regular_file
from kpiengine_salesforce import SalesforceSource
from kpiengine_salesforce.auth import MAX_KEY_BYTES


def unblock(fifo):
    """Let a reader stuck opening `fifo` go on (it then reads an empty file)."""
    os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))


def test_fifo_ruleset_is_refused(tmp_path):
    fifo = tmp_path / "plan.yaml"
    os.mkfifo(fifo)
    for command in (["validate", "plan.yaml"], ["run", "--ruleset", "plan.yaml"]):
        ran = kpiengine(*command, cwd=tmp_path)
        assert ran.returncode == 1, ran.stderr
        assert ran.stderr == (
            "plan.yaml:1:1: (top level): cannot read the file: it is a FIFO (named pipe), "
            "not a regular file\n"
        )


def test_device_ruleset_is_refused(tmp_path):
    ran = kpiengine("validate", "/dev/zero", cwd=tmp_path)
    assert ran.returncode == 1, ran.stderr
    assert "/dev/zero:1:1: (top level): cannot read the file: it is a character device" in (
        ran.stderr
    )


def jwt_fetch(tmp_path, key_file):
    options = {
        "client_id": "client",
        "username": "li@acme.example",
        "private_key_file": str(key_file),
        "login_url": "https://127.0.0.1:9",  # never reached: the key is read first
    }
    request = FetchRequest("deals", {"amount": "number"}, frozenset(), None, None, tmp_path)
    return SalesforceSource("deals", options, tmp_path).fetch(request)


def key_refused(tmp_path, key_file, release=None):
    with pytest.raises(SourceError) as caught:
        within(lambda: jwt_fetch(tmp_path, key_file), release=release)
    return str(caught.value)


def test_private_key_file_dev_zero_is_refused(tmp_path):
    assert key_refused(tmp_path, "/dev/zero") == (
        "source 'deals': the private key file '/dev/zero' (option private_key_file) cannot be "
        "read: it is a character device, not a regular file"
    )


def test_fifo_private_key_file_is_refused(tmp_path):
    fifo = tmp_path / "sf.key"
    os.mkfifo(fifo)
    assert key_refused(tmp_path, fifo, release=lambda: unblock(fifo)) == (
        f"source 'deals': the private key file '{fifo}' (option private_key_file) cannot be "
        "read: it is a FIFO (named pipe), not a regular file"
    )


def test_private_key_file_over_64_kib_is_refused(tmp_path):
    big = tmp_path / "sf.key"
    big.write_bytes(b"-----BEGIN PRIVATE KEY-----\n" + b"A" * MAX_KEY_BYTES)
    assert key_refused(tmp_path, big) == (
        f"source 'deals': the private key file '{big}' (option private_key_file) cannot be "
        "read: it is larger than 64 KiB — a PEM private key is a few KiB"
    )


def test_open_regular_file_follows_links_and_refuses_the_rest(tmp_path):
    (tmp_path / "a.txt").write_text("a")
    (tmp_path / "link").symlink_to(tmp_path / "a.txt")
    with open_regular_file(tmp_path / "link") as handle:
        assert handle.read() == b"a"
    os.mkfifo(tmp_path / "fifo")
    for path, kind in [(tmp_path / "fifo", "a FIFO (named pipe)"), (tmp_path, "a folder")]:
        message = re.escape(f"it is {kind}, not a regular file")
        with pytest.raises(NotRegularFile, match=f"^{message}$"):
            within(lambda path=path: open_regular_file(path))

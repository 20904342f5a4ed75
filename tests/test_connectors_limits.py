"""Every HTTP request a connector makes has a total deadline and an answer of bounded size, and a
certificate the machine does not trust is refused at once. Servers are local (127.0.0.1), the
deadline a second and the largest answer 1 MiB, so nothing here is slow or heavy."""

import datetime
import gzip
import ipaddress
import ssl
import time

import jsonschema
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from guards import within
from loopback import LoopbackServer, ReplyingHandler, running

from kpiengine import Redactor, RetryPolicy, SourceError
from kpiengine.connectors import (
    DEFAULT_DEADLINE,
    DEFAULT_MAX_RESPONSE_BYTES,
    Caller,
    guarded,
    make_client,
)
from kpiengine_hubspot import HubSpotSource

SECRET = "key-0123456789abcdef"
MiB = 1024 * 1024
TRICKLE = 0.05
"""Seconds between the bytes a trickling server sends: far below the per-read timeout."""
MOST_BYTES = 16 * MiB
"""No server here sends more than this, so a test can never stream for ever."""


def caller(sleeps, **limits):
    limits.setdefault("timeout", 5.0)
    return Caller(
        "source 'deals'",
        SourceError,
        Redactor([SECRET]),
        RetryPolicy(attempts=3, base_delay=0.01, sleep=sleeps.append),
        **limits,
    )


def get(server, path, sleeps=None, **limits):
    """`GET path` through a JsonApi, as a connector makes it; the SourceError it ends in."""
    sleeps = [] if sleeps is None else sleeps

    def call():
        with caller(sleeps, **limits).open(server.url, "Vendor") as api:
            return api.get(path, {"api_key": SECRET})

    with pytest.raises(SourceError) as caught:
        within(call)
    return str(caught.value)


class Handler(ReplyingHandler):
    """Answers each GET as the server's `kind` says: trickling, huge, compressed."""

    def do_GET(self):
        self.server.requests += 1
        getattr(self, self.server.kind)()

    def _send(self, data, pause=0.0):
        try:
            for start in range(0, len(data), 1 if pause else 64 * 1024):
                self.wfile.write(data[start : start + (1 if pause else 64 * 1024)])
                self.wfile.flush()
                time.sleep(pause)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up, as it should

    def trickled_headers(self):
        self._send(b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 1200, pause=TRICKLE)

    def trickled_body(self):
        body = b'{"records": [' + b" " * 1200 + b"]}"
        head = f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len(body)}"
        self._send(head.encode() + b"\r\n\r\n")
        self._send(body, pause=TRICKLE)

    def huge_declared(self):
        self._send(b"HTTP/1.1 200 OK\r\nContent-Length: 2147483648\r\n\r\n")
        self._send(b"0" * MOST_BYTES)

    def huge_undeclared(self):
        self.close_connection = True
        self._send(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n")
        self._send(b"0" * (4 * MiB))

    def ok(self):
        self.reply(200, b'{"ok": true}', "application/json")

    def compressed(self):
        body = gzip.compress(b"0" * (8 * MiB))  # about 8 KB on the wire
        self.reply(200, body, "application/json", {"Content-Encoding": "gzip"})


def server(kind):
    return LoopbackServer(Handler, kind=kind, requests=0)


# -- a total deadline --------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["trickled_headers", "trickled_body"])
def test_trickling_server_hits_the_total_deadline(kind):
    slow = server(kind)
    with running(slow):
        message = get(slow, "/v1/deals", timeout=2.0, deadline=1.0)
    assert message.startswith("source 'deals': Vendor still failed after 3 attempts")
    assert (
        "Vendor did not answer source 'deals' in time: no complete answer from 127.0.0.1 "
        "within 1 s (option deadline)"
    ) in message
    assert slow.requests == 3  # a deadline missed is retried, like a timeout


def test_a_client_without_a_jsonapi_has_the_deadline_too():
    slow = server("trickled_headers")

    def call():
        with (
            guarded("source 'deals'", SourceError, Redactor([])),
            make_client(slow.url, timeout=2.0, deadline=1.0) as client,
        ):
            client.get("/v1/deals")

    with running(slow), pytest.raises(SourceError) as caught:
        within(call)
    assert str(caught.value) == (
        "source 'deals' could not reach its server: no complete answer from 127.0.0.1 within 1 s"
    )


# -- a largest answer --------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["huge_declared", "huge_undeclared", "compressed"])
def test_huge_response_is_refused(kind):
    huge = server(kind)
    sleeps = []
    with running(huge):
        message = get(huge, "/v1/deals", sleeps, max_response_bytes=MiB)
    assert message == (
        f"Vendor sent source 'deals' an answer of more than 1 MiB from {huge.url}/v1/deals "
        "(option max_response_mb)"
    )
    assert SECRET not in message
    assert sleeps == [] and huge.requests == 1  # never retried: it would be as large again


def test_a_client_without_a_jsonapi_has_the_largest_answer_too():
    huge = server("huge_undeclared")

    def call():
        with (
            guarded("source 'deals'", SourceError, Redactor([SECRET])),
            make_client(huge.url, max_response_bytes=MiB) as client,
        ):
            client.get("/v1/deals", params={"api_key": SECRET})

    with running(huge), pytest.raises(SourceError) as caught:
        within(call)
    assert str(caught.value) == (
        f"source 'deals' received an answer of more than 1 MiB from {huge.url}/v1/deals "
        "(option max_response_mb)"
    )


# -- certificates --------------------------------------------------------------------------------


def self_signed(folder):
    """A certificate for 127.0.0.1 signed by its own key, as PEM files in `folder`."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    (folder / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return folder / "cert.pem", folder / "key.pem"


class TlsServer(LoopbackServer):
    """Serves over TLS with the given certificate; counts the connections it accepts."""

    def __init__(self, cert, key):
        super().__init__(Handler, kind="ok", requests=0)
        self.connections = 0
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        self.socket = context.wrap_socket(self.socket, server_side=True)

    def get_request(self):
        self.connections += 1
        return super().get_request()

    @property
    def url(self):
        return f"https://127.0.0.1:{self.server_address[1]}"


def test_self_signed_certificate_is_not_retried(tmp_path, monkeypatch):
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    tls = TlsServer(*self_signed(tmp_path))
    sleeps = []
    with running(tls):
        message = get(tls, "/v1/deals", sleeps)
    assert message == (
        "Vendor's server did not show source 'deals' a certificate this machine "
        "trusts (self-signed certificate) — check the address; behind a company proxy that "
        "inspects traffic, set SSL_CERT_FILE to the proxy's certificate authority"
    )
    assert sleeps == [] and tls.connections == 1 and tls.requests == 0


def test_a_trusted_certificate_is_served(tmp_path, monkeypatch):
    cert, key = self_signed(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # as behind a company proxy
    tls = TlsServer(cert, key)

    def call():
        with caller([]).open(tls.url, "Vendor") as api:
            return api.get("/v1/deals")

    with running(tls):
        assert within(call) == {"ok": True}
    assert tls.requests == 1


# -- the options ---------------------------------------------------------------------------------


def test_deadline_and_max_response_mb_are_connector_options(tmp_path):
    schema = HubSpotSource.options_schema
    validator = jsonschema.Draft202012Validator(schema)
    assert validator.is_valid({"access_token": "t", "deadline": 5, "max_response_mb": 2})
    assert not validator.is_valid({"access_token": "t", "deadline": 0})
    assert not validator.is_valid({"access_token": "t", "max_response_mb": 4096})
    made = HubSpotSource(
        "deals", {"access_token": "t", "deadline": 5, "max_response_mb": 2}, tmp_path
    )
    assert (made.caller().deadline, made.caller().max_response_bytes) == (5.0, 2 * MiB)
    plain = HubSpotSource("deals", {"access_token": "t"}, tmp_path).caller()
    assert (plain.deadline, plain.max_response_bytes) == (
        DEFAULT_DEADLINE,
        DEFAULT_MAX_RESPONSE_BYTES,
    )

"""An httpx client whose every request has a total deadline and an answer of bounded size.

httpx offers neither. The deadline: the client notes each socket it opens (httpcore's `trace`
extension) and a timer shuts them down when a request outlives its deadline, which wakes the read
that waits on a trickling server; the request then fails with `DeadlineExceeded`, a timeout. The
size: the answer is read here, a chunk at a time after decompression, and refused past the limit
(`ResponseTooLarge`) before it fills the memory. Imported when a client is made: it loads httpx.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable
from typing import Any

import httpx

from kpiengine.connectors.limits import ResponseTooLarge

Trace = Callable[[str, dict[str, Any]], None]

_OPENED = (".connect_tcp.complete", ".connect_unix_socket.complete", ".start_tls.complete")


class DeadlineExceeded(httpx.TimeoutException):
    """A request took longer in all than the client's deadline."""


class _Sockets:
    """The open sockets of one client, as httpcore's trace reports them."""

    def __init__(self) -> None:
        self._streams: list[Any] = []
        self._lock = threading.Lock()

    def tracer(self, chained: Trace | None) -> Trace:
        """A `trace` extension that notes new connections, then calls `chained` (if any)."""

        def trace(event: str, info: dict[str, Any]) -> None:
            if event.endswith(_OPENED):
                self._add(info.get("return_value"))
            if chained is not None:
                chained(event, info)

        return trace

    def _add(self, stream: Any) -> None:
        with self._lock:
            self._streams = [s for s in self._streams if _socket(s) is not None] + [stream]

    def cut(self) -> None:
        """Shut every socket down; a read blocked on one returns at once."""
        with self._lock:
            streams = list(self._streams)
        for stream in streams:
            sock = _socket(stream)
            if sock is not None:
                # socket.socket's own shutdown, also on an SSLSocket: its override drops the TLS
                # state another thread is still reading with. OSError: the server closed it.
                with contextlib.suppress(OSError):
                    socket.socket.shutdown(sock, socket.SHUT_RDWR)


def _socket(stream: Any) -> socket.socket | None:
    sock = stream.get_extra_info("socket") if stream is not None else None
    return sock if isinstance(sock, socket.socket) and sock.fileno() != -1 else None


class _Timer:
    """Calls `expire` once `seconds` have passed, unless the block has ended by then."""

    def __init__(self, seconds: float, expire: Callable[[], None]) -> None:
        self.fired = threading.Event()

        def fire() -> None:
            self.fired.set()
            expire()

        self._timer = threading.Timer(seconds, fire)
        self._timer.daemon = True

    def __enter__(self) -> _Timer:
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.cancel()


class BoundedClient(httpx.Client):
    """An `httpx.Client` that gives each request `deadline` seconds in all and reads at most
    `max_bytes` of its answer. With `stream=True` the deadline covers the request and the
    answer's headers, and the body is the caller's to bound."""

    def __init__(self, *, deadline: float, max_bytes: int, **options: Any) -> None:
        super().__init__(**options)
        self.deadline = deadline
        self.max_bytes = max_bytes
        self._sockets = _Sockets()

    def send(
        self, request: httpx.Request, *, stream: bool = False, **options: Any
    ) -> httpx.Response:
        request.extensions["trace"] = self._sockets.tracer(request.extensions.get("trace"))
        with _Timer(self.deadline, self._sockets.cut) as timer:
            try:
                response = super().send(request, stream=True, **options)
                if not stream:
                    self._read(response)
            except httpx.TransportError as exc:
                if timer.fired.is_set():
                    raise DeadlineExceeded(self._late(request), request=request) from exc
                raise
        return response

    def _late(self, request: httpx.Request) -> str:
        return f"no complete answer from {request.url.host} within {self.deadline:g} s"

    def _read(self, response: httpx.Response) -> None:
        try:
            response._content = _body(response, self.max_bytes)  # what response.read() keeps
        finally:
            response.close()


def _body(response: httpx.Response, limit: int) -> bytes:
    """The decoded body, refused as soon as it passes `limit` bytes (or says it will)."""
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > limit:
        raise ResponseTooLarge(str(response.request.url), limit)
    parts, size = [], 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > limit:
            raise ResponseTooLarge(str(response.request.url), limit)
        parts.append(chunk)
    return b"".join(parts)

"""A guard that lets sockets reach this machine only: connector tests never touch the internet."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

INET_FAMILIES = (socket.AF_INET, socket.AF_INET6)


class NetworkRefusedError(ConnectionRefusedError):
    """Raised instead of connecting anywhere but this machine while the guard is on."""


@dataclass
class NetworkGuard:
    """What the guard refused; a test that tried to go out fails even if the error was caught."""

    refused: list[str] = field(default_factory=list)

    def refuse(self, host: object) -> NetworkRefusedError:
        text = host.decode() if isinstance(host, bytes) else str(host)
        self.refused.append(text)
        return NetworkRefusedError(
            f"tried to reach {text}: tests use a local server on 127.0.0.1, never the internet"
        )


def is_loopback(host: object) -> bool:
    """True for `localhost` and loopback addresses (127.0.0.0/8, ::1, ::ffff:127.x.x.x)."""
    text = host.decode() if isinstance(host, bytes) else str(host)
    if text.lower() == "localhost":
        return True
    try:
        address = ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)
    return address.is_loopback or (mapped is not None and mapped.is_loopback)


def _check(guard: NetworkGuard, sock: socket.socket, address: Any) -> None:
    if sock.family not in INET_FAMILIES:
        return  # Unix sockets stay on this machine
    host = address[0] if isinstance(address, tuple) and address else address
    if not is_loopback(host):
        raise guard.refuse(host)


@contextmanager
def _patched(target: object, replacements: dict[str, Any]) -> Iterator[None]:
    saved = {name: getattr(target, name) for name in replacements}
    for name, value in replacements.items():
        setattr(target, name, value)
    try:
        yield
    finally:
        for name, value in saved.items():
            setattr(target, name, value)


@contextmanager
def loopback_only() -> Iterator[NetworkGuard]:
    """Inside the block, a socket may connect (or send) to this machine only.

    Anything else raises `NetworkRefusedError` (an OSError, as a network failure would) and is
    recorded in the guard's `refused`, so a test can fail even when the source caught the error.
    Name lookups of other hosts are refused the same way.
    """
    guard = NetworkGuard()
    connect, connect_ex, sendto = (
        socket.socket.connect,
        socket.socket.connect_ex,
        socket.socket.sendto,
    )
    getaddrinfo = socket.getaddrinfo

    def guarded_connect(self: socket.socket, address: Any) -> None:
        _check(guard, self, address)
        connect(self, address)

    def guarded_connect_ex(self: socket.socket, address: Any) -> int:
        _check(guard, self, address)
        return connect_ex(self, address)

    def guarded_sendto(self: socket.socket, data: Any, *args: Any) -> int:
        _check(guard, self, args[-1])
        return sendto(self, data, *args)

    def guarded_getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host is not None and not is_loopback(host):
            raise guard.refuse(host)
        return getaddrinfo(host, *args, **kwargs)

    methods = {
        "connect": guarded_connect,
        "connect_ex": guarded_connect_ex,
        "sendto": guarded_sendto,
    }
    with _patched(socket.socket, methods), _patched(socket, {"getaddrinfo": guarded_getaddrinfo}):
        yield guard

"""What every mock vendor server in the tests shares: a threaded HTTP server on 127.0.0.1 on an
ephemeral port, run around a block, and replies that tolerate a client that gave up."""

import contextlib
import threading
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class LoopbackServer(ThreadingHTTPServer):
    """Serves `handler` on 127.0.0.1; every keyword becomes an attribute handlers read."""

    daemon_threads = True

    def __init__(self, handler: type[BaseHTTPRequestHandler], **state: Any) -> None:
        super().__init__(("127.0.0.1", 0), handler)
        for name, value in state.items():
            setattr(self, name, value)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


@contextlib.contextmanager
def running(*servers: LoopbackServer, poll: float = 0.01):
    """Serve the servers for the block, then stop them and wait for their threads."""
    threads = [
        threading.Thread(target=s.serve_forever, kwargs={"poll_interval": poll}, daemon=True)
        for s in servers
    ]
    for thread in threads:
        thread.start()
    try:
        yield
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()
        for thread in threads:
            thread.join(timeout=5)


class ReplyingHandler(BaseHTTPRequestHandler):
    def reply(
        self, status: int, data: bytes, kind: str, headers: dict[str, str] | None = None
    ) -> None:
        """Send a response; a 204 has no body, and a client that gave up is not an error."""
        try:
            self.send_response(status)
            if kind:
                self.send_header("Content-Type", kind)
            if status != 204:
                self.send_header("Content-Length", str(len(data)))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            if status != 204:
                self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (a timeout test)
            pass

    def log_message(self, format: str, *args: Any) -> None:
        pass


def json_number(value: Any) -> Any:
    """`json.dumps(default=…)`: Decimals as JSON numbers, as vendors send them."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(type(value).__name__)

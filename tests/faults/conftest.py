"""Fixtures of the fault-injection suite (``pytest -m faults``); the mirror and repository copies
come from ``tests/conftest.py``."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest


@dataclass
class Serving:
    """What the loopback server answers to every GET: ``body``, possibly cut or held back.

    ``send_bytes``: how much of the body to send before closing (``None``: all of it).
    ``announce_length``: send ``Content-Length: len(body)`` (whatever is actually sent).
    ``stall``: when set, the server sends ``send_bytes`` and then waits for ``release``.
    """

    body: bytes = b""
    send_bytes: int | None = None
    announce_length: bool = True
    stall: bool = False
    release: threading.Event = field(default_factory=threading.Event)
    requests: list[str] = field(default_factory=list)


@pytest.fixture
def loopback_server() -> Iterator[tuple[str, Serving]]:
    """An HTTP server on 127.0.0.1 (a free port) that can truncate or stall its one file.

    Yields ``(base_url, serving)``; tests change ``serving``. Stops itself at teardown, and a
    stalled answer gives up after 30 s, so no test can leave it running.
    """
    serving = Serving()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            serving.requests.append(self.path)
            body = serving.body
            sent = body if serving.send_bytes is None else body[: serving.send_bytes]
            try:
                self.send_response(200)
                if serving.announce_length:
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(sent)
                self.wfile.flush()
                if serving.stall:
                    serving.release.wait(timeout=30)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client was killed: that is the test
            self.close_connection = True

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - quiet
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="loopback-http", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/", serving
    finally:
        serving.release.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)

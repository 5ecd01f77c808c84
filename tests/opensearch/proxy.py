"""A tiny HTTP proxy on 127.0.0.1 that fails chosen requests, then forwards to a real node.

It stands between a store and the real OpenSearch node to test retries and error handling
without mocking OpenSearch: ``fail(count, status=429, path_part="/_bulk")`` makes the next
``count`` matching requests answer ``status`` (or, with ``status=None``, drop the connection
without an answer); every other request goes to the node unchanged.
"""

from __future__ import annotations

import http.client
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from urllib.parse import urlsplit


class FailingProxy:
    """A threaded proxy to ``target`` (``http://127.0.0.1:PORT``); use it as a context manager."""

    def __init__(self, target: str) -> None:
        parts = urlsplit(target)
        self.target_host = parts.hostname or "127.0.0.1"
        self.target_port = parts.port or 80
        self._lock = threading.Lock()
        self._failures_left = 0
        self._status: int | None = 429
        self._path_part = ""
        self.requests: list[tuple[str, str, int | None]] = []  # (method, path, status sent)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        """The proxy's own URL."""
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def fail(self, count: int, status: int | None = 429, path_part: str = "") -> None:
        """Fail the next ``count`` requests whose path contains ``path_part``."""
        with self._lock:
            self._failures_left, self._status, self._path_part = count, status, path_part

    def failed_count(self) -> int:
        """How many requests were failed so far."""
        with self._lock:
            return sum(1 for _, _, status in self.requests if status != 0)

    def _should_fail(self, path: str) -> tuple[bool, int | None]:
        with self._lock:
            if self._failures_left > 0 and self._path_part in path:
                self._failures_left -= 1
                return True, self._status
            return False, None

    def _record(self, method: str, path: str, status: int | None) -> None:
        with self._lock:
            self.requests.append((method, path, status))

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                return

            def _forward(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                fail, status = proxy._should_fail(self.path)
                if fail:
                    proxy._record(self.command, self.path, status)
                    if status is None:
                        self.close_connection = True
                        self.connection.close()
                        return
                    payload = (b'{"error":{"type":"test_proxy","reason":"injected failure"},'
                               b'"status":' + str(status).encode() + b"}")
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                    return
                proxy._record(self.command, self.path, 0)
                upstream = http.client.HTTPConnection(proxy.target_host, proxy.target_port,
                                                      timeout=60)
                try:
                    headers = {k: v for k, v in self.headers.items()
                               if k.lower() not in ("host", "connection")}
                    upstream.request(self.command, self.path, body=body, headers=headers)
                    response = upstream.getresponse()
                    data = response.read()
                finally:
                    upstream.close()
                self.send_response(response.status)
                for key, value in response.getheaders():
                    if key.lower() not in ("content-length", "connection",
                                           "transfer-encoding"):
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _forward

        return Handler

    def __enter__(self) -> FailingProxy:
        self._thread.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)

"""The dev server's HTTP transport on the standard library's threading server, framed as Go's ``net/http`` frames.

Like Go: a status line and a ``Date`` header but no ``Server`` header, Gimlet's no-cache headers on every answer,
a ``Content-Type`` only with a body (or for ``http.Error``), 400 with ``Connection: close`` and no handler for a
request whose ``Content-Length`` cannot be read, and a malformed chunked body cut short where Go's reader fails.
What to answer is the `App`'s business; this module only turns bytes into a `Request` and a `Response` into bytes
(or a dropped or half-sent connection, as the fault knobs ask).
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import re
import socket
import time
import urllib.parse
import zlib
from typing import Any, Protocol

from gimlet_ci.devserver.wire import Request, Response

__all__ = ["App", "Server", "server_for"]

_DIGITS = re.compile(r"[0-9]+")
_HEX = re.compile(rb"[0-9a-fA-F]+")
_NO_CACHE = (
    ("Cache-Control", "no-cache, no-store, must-revalidate, private, max-age=0"),
    ("Expires", "Thu, 01 Jan 1970 00:00:00 UTC"),
    ("Pragma", "no-cache"),
    ("X-Accel-Expires", "0"),
)


@functools.lru_cache(maxsize=8)
def _gzipped(body: bytes, pad: int) -> bytes:
    """*body* and *pad* bytes of white space, gzip-encoded (a bomb: a MiB of spaces compresses to about 1 KiB)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    parts = [compressor.compress(body)]
    chunk = b" " * min(pad, 2**20)
    left = pad
    while left > 0:
        parts.append(compressor.compress(chunk[:left]))
        left -= len(chunk)
    parts.append(compressor.flush())
    return b"".join(parts)


class App(Protocol):
    """What answers the requests."""

    def respond(self, request: Request, handler: http.server.BaseHTTPRequestHandler) -> Response | None:
        """The answer to *request*, or None when the app served the connection itself (a websocket)."""


class Server(http.server.ThreadingHTTPServer):
    """A threading server whose handlers ask `app`."""

    daemon_threads = True
    block_on_close = False

    def __init__(self, address: tuple[str, int], app: App) -> None:
        super().__init__(address, _Handler)
        self.app = app

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Stay quiet when a client goes away mid-answer (it gave up on a dripped or oversized answer)."""
        import sys  # noqa: PLC0415

        if isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            return
        super().handle_error(request, client_address)


class _IPv6Server(Server):
    address_family = socket.AF_INET6


def server_for(host: str, port: int, app: App) -> Server:
    """A bound server for *host* (IPv4 or IPv6) and *port* (0: a free one)."""
    return (_IPv6Server if ":" in host else Server)((host, port), app)


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in two writes
    server: Server
    timeout = 30

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        """Stay quiet: the dev server is a test double."""

    def send_response(self, code: int, message: str | None = None) -> None:
        """Like Go: a status line and a Date header, no Server header."""
        self.log_request(code)
        self.send_response_only(code, message)
        self.send_header("Date", self.date_time_string())

    def _read_body(self) -> bytes | None:
        """The request body; None for a malformed ``Content-Length`` (Go answers 400 before any handler).

        A malformed chunked body reaches the handler cut short, as Go's body reader fails mid-way; the
        connection is closed after the answer since its framing is lost.
        """
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks: list[bytes] = []
            while True:
                size_text = self.rfile.readline().split(b";")[0].strip()
                if not _HEX.fullmatch(size_text):
                    self.close_connection = True
                    return b"".join(chunks)
                size = int(size_text, 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        lengths = {value.strip() for value in self.headers.get_all("Content-Length") or ()}
        if not lengths:
            return b""
        length = lengths.pop()
        if lengths or not _DIGITS.fullmatch(length):
            return None
        return self.rfile.read(int(length))

    def _bad_request(self) -> None:
        """Go's answer to a request it cannot frame: 400, ``Connection: close``, no handler, no count."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.send_response(400)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(b"400 Bad Request")
            self.wfile.flush()

    def _serve(self) -> None:
        body = self._read_body()
        if body is None:
            self._bad_request()
            return
        split = urllib.parse.urlsplit(self.path)
        request = Request(
            method=self.command,
            path=urllib.parse.unquote(split.path),
            query=urllib.parse.parse_qs(split.query, keep_blank_values=True),
            headers={k: v for k, v in self.headers.items()},  # noqa: C416 - a plain dict of the headers
            body=body,
        )
        response = self.server.app.respond(request, self)
        if response is not None:
            self._send(response)

    def _send(self, response: Response) -> None:
        if response.drop:
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        body = response.body
        if response.gzip:
            body = _gzipped(body, response.pad)
        elif response.pad:
            body = b""  # sent below, with the padding, piece by piece
        length = len(body) if response.gzip or not response.pad else len(response.body) + response.pad
        self.send_response(response.status)
        for name, value in _NO_CACHE:
            self.send_header(name, value)
        for name, value in response.headers:
            self.send_header(name, value)
        if self.close_connection:  # the request's framing was lost, or the client asked
            self.send_header("Connection", "close")
        if response.content_type is not None and (response.body or response.nosniff):
            self.send_header("Content-Type", response.content_type)
        if response.nosniff:
            self.send_header("X-Content-Type-Options", "nosniff")
        if response.gzip:
            self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(length))
        if response.drip and response.drip_headers:
            buffered: list[bytes] = getattr(self, "_headers_buffer", [])  # what end_headers would flush
            head = b"".join([*buffered, b"\r\n"])
            buffered.clear()
            if not self._drip(head, response.drip):
                return
        else:
            self.end_headers()
        if response.truncate:
            body = body[: len(body) // 2]
            self.close_connection = True
        if response.pad and not response.gzip:
            self._write_padded(response.body, response.pad)
        elif response.drip:
            self._drip(body, response.drip)
        else:
            with contextlib.suppress(OSError):
                self.wfile.write(body)
                self.wfile.flush()
        if response.truncate:
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)

    def _drip(self, data: bytes, every: float) -> bool:
        """Send *data* one byte every *every* seconds; False once the client has gone."""
        for index in range(len(data)):
            try:
                self.wfile.write(data[index : index + 1])
                self.wfile.flush()
            except OSError:
                self.close_connection = True
                return False
            time.sleep(every)
        return True

    def _write_padded(self, body: bytes, pad: int) -> None:
        """*body*, then *pad* bytes of white space, a MiB at a time (never the whole in memory)."""
        chunk = b" " * min(pad, 2**20)
        try:
            self.wfile.write(body)
            left = pad
            while left > 0:
                self.wfile.write(chunk[:left])
                left -= len(chunk)
            self.wfile.flush()
        except OSError:
            self.close_connection = True

    do_GET = _serve  # noqa: N815
    do_POST = _serve  # noqa: N815
    do_PUT = _serve  # noqa: N815
    do_DELETE = _serve  # noqa: N815
    do_PATCH = _serve  # noqa: N815

"""Bounds on what the server can make us do: time per request as a whole, bytes per answer.

- `budget`: a wall-clock end for everything one request does on the network (connect, TLS, writing the request,
  reading the status line, the headers and the body). httpx's timeouts are per socket operation, so a server that
  drips one byte every 2 s would never trip them; `install` wraps the network backend of a client's connection pools
  so that every socket operation made while a budget is open gets at most what is left of it, and a TLS handshake
  is cut by a timer when it runs past it.
- `read_body`: the body of a streamed answer, at most `MAX_BODY` bytes after decompression (gzip and deflate are
  decoded here with a bound on each step, so a gzip bomb never expands in memory); anything else is refused.
- `retry_after`: the ``Retry-After`` header in both its forms.
"""

from __future__ import annotations

import contextlib
import email.utils
import socket
import threading
import time
import zlib
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any

import attrs
import httpcore
import httpx

__all__ = [
    "MAX_BODY",
    "BodyTooLarge",
    "Budget",
    "budget",
    "install",
    "read_body",
    "retry_after",
]

MAX_BODY = 32 * 2**20
"""The most bytes (after decompression) read from one answer. Gimlet's largest answers are artifact listings and a
commit's events: a page of 20 artifacts with big manifests is a few MB; 32 MiB is far above that and still a small
fraction of a CI runner's memory."""
_WRITE_CHUNK = 16 * 1024
"""Requests are written in pieces this big, each bounded by what is left of the budget."""
_READ_CHUNK = 64 * 1024


@attrs.define
class Budget:
    """What one request may still spend: until `end` (``time.monotonic()``)."""

    end: float
    expired: bool = False
    """Set when an operation found no time left (or a timer cut it): the failure that follows is a timeout."""

    def left(self) -> float:
        return self.end - time.monotonic()


_CURRENT: ContextVar[Budget | None] = ContextVar("gimlet_ci_budget", default=None)


@contextlib.contextmanager
def budget(seconds: float) -> Iterator[Budget]:
    """A wall-clock bound of *seconds* for every socket operation made in this block (by this thread)."""
    current = Budget(end=time.monotonic() + max(0.0, seconds))
    token = _CURRENT.set(current)
    try:
        yield current
    finally:
        _CURRENT.reset(token)


def _clip(timeout: float | None, error: type[Exception]) -> float | None:
    """*timeout* no longer than what the open budget leaves; raise *error* when nothing is left."""
    current = _CURRENT.get()
    if current is None:
        return timeout
    left = current.left()
    if left <= 0:
        current.expired = True
        msg = "the request's time is up"
        raise error(msg)
    return left if timeout is None else min(timeout, left)


class _Stream(httpcore.NetworkStream):
    """A network stream whose every read and write keeps to the open budget."""

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _clip(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        view = memoryview(buffer)
        for start in range(0, len(view), _WRITE_CHUNK):
            self._inner.write(bytes(view[start : start + _WRITE_CHUNK]), _clip(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self, ssl_context: Any, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        clipped = _clip(timeout, httpcore.ConnectTimeout)
        current = _CURRENT.get()
        if current is None or clipped is None:
            return _Stream(self._inner.start_tls(ssl_context, server_hostname, clipped))
        # The handshake is many reads under one socket timeout: a timer cuts it at the budget's end.
        raw = self._inner.get_extra_info("socket")
        timer = threading.Timer(max(0.0, current.left()), _cut, args=(raw, current))
        timer.daemon = True
        timer.start()
        try:
            return _Stream(self._inner.start_tls(ssl_context, server_hostname, clipped))
        finally:
            timer.cancel()

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


def _cut(raw: object, current: Budget) -> None:
    current.expired = True
    if isinstance(raw, socket.socket):
        with contextlib.suppress(OSError):
            socket.socket.shutdown(raw, socket.SHUT_RDWR)


class _Backend(httpcore.NetworkBackend):
    """httpcore's backend with every stream bounded by the open budget."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore.NetworkStream:
        stream = self._inner.connect_tcp(
            host, port, _clip(timeout, httpcore.ConnectTimeout), local_address, socket_options
        )
        return _Stream(stream)

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Any = None
    ) -> httpcore.NetworkStream:  # pragma: no cover - gimlet-ci never uses a unix socket
        return _Stream(self._inner.connect_unix_socket(path, _clip(timeout, httpcore.ConnectTimeout), socket_options))

    def sleep(self, seconds: float) -> None:  # pragma: no cover - httpcore sleeps only between its own retries
        self._inner.sleep(seconds)


def install(client: httpx.Client) -> int:
    """Bound the connection pools of *client* (its transport and the proxy mounts) by the open budget; how many.

    httpx offers no public way to choose a pool's network backend, so this sets httpcore's ``_network_backend`` on
    each pool; a transport without one (a test's mock) is left alone.
    """
    transports = [getattr(client, "_transport", None), *getattr(client, "_mounts", {}).values()]
    installed = 0
    for transport in transports:
        pool = getattr(transport, "_pool", None)
        backend = getattr(pool, "_network_backend", None)
        if backend is not None and not isinstance(backend, _Backend):
            pool._network_backend = _Backend(backend)  # type: ignore[union-attr]  # noqa: SLF001
            installed += 1
    return installed


class BodyTooLarge(Exception):
    """The answer's body is over the cap, or uses an encoding we do not read; *reason* says which."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _decoder(response: httpx.Response) -> Any:
    encodings = [e.strip().lower() for e in response.headers.get("Content-Encoding", "").split(",") if e.strip()]
    encodings = [e for e in encodings if e != "identity"]
    if not encodings:
        return None
    if len(encodings) == 1 and encodings[0] in ("gzip", "x-gzip"):
        return zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    if len(encodings) == 1 and encodings[0] == "deflate":
        return zlib.decompressobj(wbits=zlib.MAX_WBITS)
    msg = f"it is encoded as {', '.join(encodings)!r}, which gimlet-ci does not read (it asks for gzip or none)"
    raise BodyTooLarge(msg)


def read_body(response: httpx.Response, *, cap: int = MAX_BODY) -> bytes:
    """The whole body of a streamed *response*, decoded, at most *cap* bytes; raise `BodyTooLarge` past that."""
    announced = response.headers.get("Content-Length", "").strip()
    if announced.isdigit() and int(announced) > cap:
        msg = f"it announces {int(announced)} bytes, more than the {_size(cap)} limit of an answer"
        raise BodyTooLarge(msg)
    if response.is_stream_consumed:  # built in memory (a mock transport's answer): already decoded by httpx
        if len(response.content) > cap:
            msg = f"it is larger than the {_size(cap)} limit of an answer (decompressed)"
            raise BodyTooLarge(msg)
        return response.content
    decoder = _decoder(response)
    decoder_wbits = 16 + zlib.MAX_WBITS
    parts: list[bytes] = []
    size = raw_size = 0
    try:
        for raw in response.iter_raw(_READ_CHUNK):
            raw_size += len(raw)
            if raw_size > cap:
                break
            if decoder is None:
                parts.append(raw)
                size += len(raw)
                continue
            data = decoder.decompress(raw, cap - size + 1)
            while True:
                parts.append(data)
                size += len(data)
                if size > cap:
                    break
                if decoder.unconsumed_tail:
                    data = decoder.decompress(decoder.unconsumed_tail, cap - size + 1)
                elif decoder.eof and decoder.unused_data:  # another gzip member follows
                    rest, decoder = decoder.unused_data, zlib.decompressobj(wbits=decoder_wbits)
                    data = decoder.decompress(rest, cap - size + 1)
                else:
                    break
            if size > cap:
                break
    except zlib.error as e:
        msg = f"its compressed body is corrupt ({e})"
        raise httpx.DecodingError(msg) from e
    if size > cap or raw_size > cap:
        msg = f"it is larger than the {_size(cap)} limit of an answer (decompressed)"
        raise BodyTooLarge(msg)
    return b"".join(parts)


def _size(n: int) -> str:
    return f"{n // 2**20} MiB" if n >= 2**20 and n % 2**20 == 0 else f"{n} bytes"


def retry_after(response: httpx.Response, *, now: float) -> float | None:
    """Seconds the answer asks us to wait (``Retry-After: 120`` or an HTTP date), or None without a usable header.

    A date is counted from the answer's own ``Date`` when it has one (so a server clock off by hours does not matter),
    else from *now* (Unix seconds).
    """
    text = response.headers.get("Retry-After", "").strip()
    if not text:
        return None
    if text.isascii() and text.isdigit():
        return float(min(int(text[:12]), 10**9))
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when is None or when.tzinfo is None:
        return None
    base = now
    date = response.headers.get("Date", "")
    if date:
        with contextlib.suppress(TypeError, ValueError, IndexError, OverflowError):
            server_now = email.utils.parsedate_to_datetime(date)
            if server_now is not None and server_now.tzinfo is not None:
                base = server_now.timestamp()
    return max(0.0, when.timestamp() - base)

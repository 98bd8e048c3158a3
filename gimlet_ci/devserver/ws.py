"""The dev server's push channel (``GET /ws/``), and the clock that moves events on time.

What Gimlet does, and this module copies (``pkg/dashboard/server/streaming/clienthub.go``,
``pkg/dashboard/worker/eventsWorker.go``, ``pkg/dashboard/api/types.go``, ``pkg/dashboard/server/commits.go``):

- the upgrade sits behind the token check (401 before the upgrade), any ``Origin`` is accepted;
- every event create and status update is broadcast as ``{"commitEvent": <api.CommitEvent>, "event": "commitEvent"}``,
  every gitops commit write and Flux status change as ``{"gitopsCommit": {...}, "event": "gitopsCommit"}``; a
  ``gitopsCommit`` goes out before the ``commitEvent`` that names its sha, as Gimlet's worker sends it first;
- each client has a queue of 256 messages; a client whose queue is full is dropped (a close frame, then the socket);
- the writer sends the first queued message and packs every message queued behind it into the same text frame,
  separated by ``\\n``;
- the server pings every 36 s and drops a client that has not answered with a pong within 60 s; it answers pings;
- whatever a client sends as a data message is broadcast to every client (Gimlet's chat-example hub).

The RFC 6455 server side is written out here (handshake, frames, masking, ping/pong, close): it is small, and the
dev server stays on the standard library.

Time: the dev server computes states lazily from the clock; `Clock` is a thread that wakes at each moment a state
changes (an event's processing time, each gitops commit's ``Progressing`` and terminal moments) so that the
broadcast leaves at that moment, as Gimlet's would.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import hashlib
import heapq
import itertools
import json
import select
import socket
import ssl
import struct
import threading
import time
import urllib.parse
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from gimlet_ci.devserver.api import authorized
from gimlet_ci.devserver.state import Event, Result, State
from gimlet_ci.devserver.wire import (
    Request,
    Response,
    commit_event_message,
    empty,
    gitops_commit_message,
    http_error,
)
from gimlet_ci.gimlet.gojson import encode_any

if TYPE_CHECKING:
    import http.server

__all__ = ["Hub", "Push", "accept_key", "frame", "read_frame"]

_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
SEND_BUFFER = 256
"""Gimlet's per-client queue (``make(chan []byte, 256)``)."""
READ_LIMIT = 8192
"""Gimlet's ``maxMessageSize`` for what a client sends."""
_NOT_WEBSOCKET = (
    "websocket: the client is not using the websocket protocol: '{word}' token not found in '{header}' header"
)
_OP_CONT, _OP_TEXT, _OP_BINARY, _OP_CLOSE, _OP_PING, _OP_PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA


def frame(opcode: int, payload: bytes = b"") -> bytes:
    """One unmasked server frame with FIN set."""
    length = len(payload)
    if length < 126:  # noqa: PLR2004
        header = struct.pack("!BB", 0x80 | opcode, length)
    elif length < 1 << 16:
        header = struct.pack("!BBH", 0x80 | opcode, 126, length)
    else:
        header = struct.pack("!BBQ", 0x80 | opcode, 127, length)
    return header + payload


def accept_key(key: str) -> str:
    return base64.b64encode(hashlib.sha1(key.encode() + _GUID).digest()).decode()  # noqa: S324 - RFC 6455


class _Closed(Exception):
    """The peer went away, broke the protocol, or missed its pong deadline."""


def _read_exact(sock: socket.socket, size: int) -> bytes:
    chunks: list[bytes] = []
    while size:
        chunk = sock.recv(min(size, 65536))
        if not chunk:
            raise _Closed
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def read_frame(sock: socket.socket) -> tuple[bool, int, bytes]:
    """``(fin, opcode, payload)`` of one client frame; clients must mask (RFC 6455 §5.1)."""
    first, second = _read_exact(sock, 2)
    length = second & 0x7F
    if not second & 0x80:
        raise _Closed
    if length == 126:  # noqa: PLR2004
        (length,) = struct.unpack("!H", _read_exact(sock, 2))
    elif length == 127:  # noqa: PLR2004
        (length,) = struct.unpack("!Q", _read_exact(sock, 8))
    if length > READ_LIMIT:
        raise _Closed
    mask = _read_exact(sock, 4)
    data = _read_exact(sock, length)
    payload = bytes(b ^ mask[i % 4] for i, b in enumerate(data))
    return bool(first & 0x80), first & 0x0F, payload


# -------------------------------------------------------------------------------------------------
# Clients and the hub


class _Client:
    """One socket: a writer thread drains its queue; the handler thread reads what the client sends."""

    def __init__(self, hub: Hub, sock: socket.socket) -> None:
        self.hub = hub
        self.sock = sock
        self.shared = isinstance(sock, ssl.SSLSocket)
        """A TLS socket cannot be duplicated, nor read and written at once: reads then wait until data is there and
        hold the write lock while they take one frame."""
        self.wsock = sock if self.shared else sock.dup()  # its own timeout for writes (Gimlet's writeWait)
        self.wsock.settimeout(10.0)
        self.queue: deque[tuple[float, bytes]] = deque()
        self.cond = threading.Condition()
        self.closed = False
        self.close_frame = False
        self.sent = 0
        self.frames = 0
        self.write_lock = threading.Lock()

    def enqueue(self, messages: list[bytes], due: float) -> bool:
        """Queue *messages*; False when the queue is full and the client must go (Gimlet's ``default:`` branch)."""
        with self.cond:
            if self.closed:
                return True
            for message in messages:
                if len(self.queue) >= SEND_BUFFER:
                    return False
                self.queue.append((due, message))
            self.cond.notify()
        return True

    def write(self, data: bytes) -> None:
        with self.write_lock:
            self.wsock.sendall(data)

    def drop(self, *, close_frame: bool) -> None:
        with self.cond:
            if self.closed:
                return
            self.closed = True
            self.close_frame = close_frame
            self.cond.notify()
        if not close_frame:
            self.shutdown()

    def shutdown(self) -> None:
        for sock in (self.wsock, self.sock):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def writer(self) -> None:
        """Gimlet's writePump: pings on a ticker, one frame per wake-up with everything queued behind the first."""
        faults = self.hub.state.config.faults
        next_ping = time.monotonic() + faults.ws_ping_period
        try:
            while True:
                with self.cond:
                    while True:
                        now = time.monotonic()
                        if self.closed:
                            break
                        if self.queue and self.queue[0][0] <= now:
                            break
                        if now >= next_ping:
                            break
                        until = min(next_ping, self.queue[0][0] if self.queue else next_ping)
                        self.cond.wait(max(0.0, until - now))
                    if self.closed:
                        close = self.close_frame
                        batch: list[bytes] = []
                    else:
                        now = time.monotonic()
                        batch = []
                        while self.queue and self.queue[0][0] <= now:
                            batch.append(self.queue.popleft()[1])
                if self.closed:
                    if close:
                        with contextlib.suppress(OSError):
                            self.write(frame(_OP_CLOSE))
                    self.shutdown()
                    return
                if batch:
                    self.write(frame(_OP_TEXT, b"\n".join(batch)))
                    self.frames += 1
                    self.sent += len(batch)
                    limit = self.hub.state.config.faults.ws_drop_after
                    if limit and self.sent >= limit:
                        self.hub.forget(self)
                        self.drop(close_frame=False)
                        return
                elif time.monotonic() >= next_ping:
                    self.write(frame(_OP_PING))
                    next_ping = time.monotonic() + self.hub.state.config.faults.ws_ping_period
        except OSError:
            self.hub.forget(self)
            self.drop(close_frame=False)
        finally:
            if not self.shared:
                self.wsock.close()

    def reader(self) -> None:
        """Gimlet's readPump: a read deadline that only a pong extends; data messages are re-broadcast."""
        faults = self.hub.state.config.faults
        deadline = time.monotonic() + faults.ws_pong_wait
        parts: list[bytes] = []
        try:
            while not self.closed and (remaining := deadline - time.monotonic()) > 0:
                if self.shared:
                    assert isinstance(self.sock, ssl.SSLSocket)  # noqa: S101
                    if not self.sock.pending() and not select.select([self.sock], [], [], min(remaining, 0.05))[0]:
                        continue
                    with self.write_lock:
                        fin, opcode, payload = read_frame(self.sock)
                else:
                    self.sock.settimeout(remaining)
                    fin, opcode, payload = read_frame(self.sock)
                if opcode == _OP_CLOSE:
                    with contextlib.suppress(OSError):
                        self.write(frame(_OP_CLOSE, payload[:2]))
                    return
                if opcode == _OP_PING:
                    if not self.hub.state.config.faults.ws_ignore_pings:
                        self.write(frame(_OP_PONG, payload))
                    continue
                if opcode == _OP_PONG:
                    deadline = time.monotonic() + self.hub.state.config.faults.ws_pong_wait
                    continue
                parts.append(payload)
                if fin:
                    message = b"".join(parts).replace(b"\n", b" ").strip()
                    parts = []
                    self.hub.client_sent(message)
        except (_Closed, OSError, ValueError):
            pass
        finally:
            self.hub.forget(self)
            self.drop(close_frame=False)


class Hub:
    """Every open socket of the dev server; `broadcast` is Gimlet's ``clientHub.Broadcast``."""

    def __init__(self, state: State) -> None:
        self.state = state
        self._lock = threading.Lock()
        self._clients: list[_Client] = []
        self.timeline: list[tuple[float, bytes]] = []
        """Every message broadcast, with the monotonic time it left (also with no client connected)."""
        self.received: list[bytes] = []
        """Data messages clients sent (Gimlet re-broadcasts them); gimlet-ci must never send one."""
        self.connections = 0
        self.upgrades: list[tuple[str, str]] = []
        """Each upgrade request: its query string and how it authenticated (``header`` or ``query``)."""

    def clients(self) -> int:
        with self._lock:
            return len(self._clients)

    def broadcast(self, messages: Sequence[bytes | Mapping[str, Any]], *, now: float | None = None) -> None:
        """Queue *messages* for every client at once, so that they may share a frame.

        A message is its JSON text (`gimlet_ci.devserver.wire` writes Gimlet's), or a mapping that is sent as Go
        sends a ``map[string]interface{}``.
        """
        if not messages:
            return
        stamp = time.monotonic() if now is None else now
        encoded = [m if isinstance(m, bytes) else encode_any(m) for m in messages]
        due = time.monotonic() + self.state.config.faults.ws_delay
        with self._lock:
            self.timeline.extend((stamp, m) for m in encoded)
            clients = list(self._clients)
        for client in clients:
            if not client.enqueue(encoded, due):
                self.forget(client)
                client.drop(close_frame=True)

    def inject(self, raw: bytes) -> None:
        """Write raw bytes to every socket (tests: garbage frames, a huge frame)."""
        with self._lock:
            clients = list(self._clients)
        for client in clients:
            with contextlib.suppress(OSError):
                client.write(raw)

    def client_sent(self, message: bytes) -> None:
        """A client's data message: Gimlet broadcasts it as it came (here only when it is JSON, for `timeline`)."""
        with self._lock:
            self.received.append(message)
        with contextlib.suppress(ValueError):
            json.loads(message)
            self.broadcast([message])

    def forget(self, client: _Client) -> None:
        with self._lock, contextlib.suppress(ValueError):
            self._clients.remove(client)

    def close_all(self) -> None:
        with self._lock:
            clients, self._clients = self._clients, []
        for client in clients:
            client.drop(close_frame=True)

    def serve(self, handler: http.server.BaseHTTPRequestHandler, key: str) -> None:
        """Finish the upgrade on *handler*'s connection and serve it until it closes (in the handler's thread)."""
        handler.close_connection = True
        sock: socket.socket = handler.connection
        response = (
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Accept: {accept_key(key)}\r\n\r\n"
        )
        handler.wfile.flush()
        sock.sendall(response.encode())
        client = _Client(self, sock)
        with self._lock:
            self._clients.append(client)
            self.connections += 1
        writer = threading.Thread(target=client.writer, name="gimlet-dev-ws-writer", daemon=True)
        writer.start()
        client.reader()
        # The handler closes the connection when this returns: let the writer send its close frame first (a client
        # dropped before the reader started would otherwise see the socket end without one).
        writer.join(timeout=15.0)


# -------------------------------------------------------------------------------------------------
# The clock: state changes at their moment


class Clock:
    """Runs callbacks at their monotonic time, under the server's lock."""

    def __init__(self, lock: threading.RLock) -> None:
        self._lock = lock
        self._heap: list[tuple[float, int, Callable[[float], None]]] = []
        self._cond = threading.Condition()
        self._seq = itertools.count()
        self._stop = False
        self._thread: threading.Thread | None = None

    def at(self, when: float, callback: Callable[[float], None]) -> None:
        with self._cond:
            heapq.heappush(self._heap, (when, next(self._seq), callback))
            self._cond.notify()

    def start(self) -> None:
        self._stop = False
        self._thread = threading.Thread(target=self._run, name="gimlet-dev-clock", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        with self._cond:
            self._stop = True
            self._heap.clear()
            self._cond.notify()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._stop and (not self._heap or self._heap[0][0] > time.monotonic()):
                    timeout = self._heap[0][0] - time.monotonic() if self._heap else None
                    self._cond.wait(timeout)
                if self._stop:
                    return
                when, _, callback = heapq.heappop(self._heap)
            with self._lock:
                callback(when)


# -------------------------------------------------------------------------------------------------
# The server's side: the state's observer, and the upgrade


class Push:
    """The dev server's push state: hub and clock; told by the state of each event created and processed."""

    def __init__(self, state: State) -> None:
        self.state = state
        self.hub = Hub(state)
        self.clock = Clock(state.lock)

    def start(self) -> None:
        self.clock.start()

    def stop(self) -> None:
        self.clock.stop()
        self.hub.close_all()

    # -- the state's observer (called with the state's lock held) -----------------------------------------

    def created(self, event: Event) -> None:
        """A new event: broadcast it, and have the clock process it when its time comes."""
        self.hub.broadcast([commit_event_message(event, self.state)])
        self.clock.at(event.process_at, self._advance)

    def processed(self, event: Event) -> None:
        """An event changed state: its gitops commits first (as Gimlet's worker), then the event itself."""
        reconcile = self.state.config.reconcile_delay
        messages: list[bytes] = []
        for result in event.results:
            if not result.hash:
                continue
            status, desc = result.gitops(0.0, reconcile)
            messages.append(gitops_commit_message(result.hash, status, desc, int(event.created), result.env))
            for moment in self._moments(result, reconcile):
                self.clock.at(moment, functools.partial(self._gitops, result))
        messages.append(commit_event_message(event, self.state))
        self.hub.broadcast(messages)

    @staticmethod
    def _moments(result: Result, reconcile: float) -> list[float]:
        start = result.committed_at
        moments = [start + reconcile / 2, start + reconcile]
        if result.recovers:
            moments.append(start + 2 * reconcile)
        return [m for m in moments if m > start] or [start]

    def _gitops(self, result: Result, when: float) -> None:
        status, desc = result.gitops(when - result.committed_at + 1e-9, self.state.config.reconcile_delay)
        flux_time = int(time.time())
        self.hub.broadcast(
            [gitops_commit_message(result.hash, status, desc, flux_time, result.env)],
            now=when,
        )

    def _advance(self, when: float) -> None:
        self.state.advance(max(when, time.monotonic()))

    # -- the upgrade -----------------------------------------------------------------------------------------------

    def upgrade(self, handler: http.server.BaseHTTPRequestHandler, request: Request) -> Response | None:
        """``GET /ws/``: an error answer, or None once the socket was served to its end."""
        faults = self.state.config.faults
        if faults.ws_disabled:
            return http_error(404, "404 page not found")
        if request.method != "GET":
            return empty(405)
        if faults.force_status is not None:
            return http_error(faults.force_status)
        if not authorized(self.state, request):
            return http_error(401)
        headers = {k.lower(): v for k, v in request.headers.items()}
        refused = _handshake_error(headers)
        if refused is not None:
            return http_error(400, refused)
        with self.state.lock:
            self.state.counts[("GET", "/ws/")] += 1
            how = "header" if request.headers.get("Authorization", "").startswith(("Bearer ", "BEARER ")) else "query"
            self.hub.upgrades.append((urllib.parse.urlencode(request.query, doseq=True), how))
        self.hub.serve(handler, headers["sec-websocket-key"])
        return None


def _handshake_error(headers: Mapping[str, str]) -> str | None:
    """What gorilla/websocket answers to a request that is not a websocket handshake (lower-case *headers*)."""
    if "upgrade" not in headers.get("connection", "").lower():
        return _NOT_WEBSOCKET.format(word="upgrade", header="Connection")
    if headers.get("upgrade", "").lower() != "websocket":
        return _NOT_WEBSOCKET.format(word="websocket", header="Upgrade")
    if headers.get("sec-websocket-version") != "13":
        return "websocket: unsupported version: 13 not found in 'Sec-Websocket-Version' header"
    if not headers.get("sec-websocket-key", ""):
        return "websocket: not a websocket handshake: 'Sec-WebSocket-Key' header is missing or blank"
    return None

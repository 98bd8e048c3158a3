"""The dev server's push channel (``GET /ws/``), its commit-events route, and the clock that moves events on time.

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
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import http.server

    from gimlet_ci._devserver import DevServer, _Event, _Request, _Response, _Result

_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
SEND_BUFFER = 256
"""Gimlet's per-client queue (``make(chan []byte, 256)``)."""
READ_LIMIT = 8192
"""Gimlet's ``maxMessageSize`` for what a client sends."""
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
        faults = self.hub.app.faults
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
                    limit = self.hub.app.faults.ws_drop_after
                    if limit and self.sent >= limit:
                        self.hub.forget(self)
                        self.drop(close_frame=False)
                        return
                elif time.monotonic() >= next_ping:
                    self.write(frame(_OP_PING))
                    next_ping = time.monotonic() + self.hub.app.faults.ws_ping_period
        except OSError:
            self.hub.forget(self)
            self.drop(close_frame=False)
        finally:
            if not self.shared:
                self.wsock.close()

    def reader(self) -> None:
        """Gimlet's readPump: a read deadline that only a pong extends; data messages are re-broadcast."""
        faults = self.hub.app.faults
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
                    if not self.hub.app.faults.ws_ignore_pings:
                        self.write(frame(_OP_PONG, payload))
                    continue
                if opcode == _OP_PONG:
                    deadline = time.monotonic() + self.hub.app.faults.ws_pong_wait
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

    def __init__(self, app: DevServer) -> None:
        self.app = app
        self._lock = threading.Lock()
        self._clients: list[_Client] = []
        self.timeline: list[tuple[float, dict[str, Any]]] = []
        """Every message broadcast, with the monotonic time it left (also with no client connected)."""
        self.received: list[bytes] = []
        """Data messages clients sent (Gimlet re-broadcasts them); gimlet-ci must never send one."""
        self.connections = 0
        self.upgrades: list[tuple[str, str]] = []
        """Each upgrade request: its query string and how it authenticated (``header`` or ``query``)."""

    def clients(self) -> int:
        with self._lock:
            return len(self._clients)

    def broadcast(self, messages: list[dict[str, Any]], *, now: float | None = None) -> None:
        """Queue *messages* (already in Gimlet's shape) for every client at once, so that they may share a frame."""
        from gimlet_ci._devserver import go_json  # noqa: PLC0415 - the server module imports this one

        if not messages:
            return
        stamp = time.monotonic() if now is None else now
        encoded = [go_json(m, keep_order=True) for m in messages]
        due = time.monotonic() + self.app.faults.ws_delay
        with self._lock:
            self.timeline.extend((stamp, m) for m in messages)
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
        with self._lock:
            self.received.append(message)
        with contextlib.suppress(ValueError):
            self.broadcast([json.loads(message)])

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
        threading.Thread(target=client.writer, name="gimlet-dev-ws-writer", daemon=True).start()
        client.reader()


# -------------------------------------------------------------------------------------------------
# Gimlet's message shapes


def commit_event(event: _Event, app: DevServer) -> Any:
    """``api.CommitEvent`` of *event* (``AsCommitEvent``), as a `_Struct` in Go field order with Go's omitempty."""
    from gimlet_ci._devserver import _struct  # noqa: PLC0415

    request = event.request
    release_request = image_build_request = rollback_request = None
    if event.type == "release":
        release_request = _struct(
            ("env", str(request.get("env", "")), False),
            ("app", str(request.get("app", "")), True),
            ("artifactId", str(request.get("artifactId", "")), False),
            ("triggeredBy", str(request.get("triggeredBy", "")), False),
        )
    elif event.type == "imageBuild":
        image_build_request = _struct(
            *(
                (key, str(request.get(key, request.get("artifactId", "") if key == "artifactID" else "")), False)
                for key in (
                    "env",
                    "app",
                    "sha",
                    "triggeredBy",
                    "artifactID",
                    "image",
                    "tag",
                    "sourcePath",
                    "context",
                    "dockerfile",
                    "strategy",
                    "registry",
                )
            )
        )
    elif event.type == "rollback":
        rollback_request = _struct(
            *((key, str(request.get(key, "")), False) for key in ("env", "app", "targetSHA", "triggeredBy"))
        )
    results = [_commit_result(event, r) for r in event.results] if event.done else []
    if event.type == "imageBuild" and not event.done:
        results = [_commit_result(event, None)]
    return _struct(
        ("id", event.id, True),
        ("created", event_created(event), True),
        ("type", event.type, True),
        ("sha", event_sha(event, app), True),
        ("releaseRequest", release_request, "nil"),
        ("imageBuildRequest", image_build_request, "nil"),
        ("rollbackRequest", rollback_request, "nil"),
        ("status", event.status if event.done else "new", False),
        ("statusDesc", event.status_desc if event.done else "", False),
        ("results", results, True),
    )


def _commit_result(event: _Event, result: _Result | None) -> Any:
    """``api.CommitEventResult``: app and env come from the result's manifest (none for a rollback's results)."""
    from gimlet_ci._devserver import _struct  # noqa: PLC0415

    if event.type == "imageBuild":
        # Gimlet keeps the build's one result `pending` and adds the deploy it triggered.
        triggered = result.triggered if result is not None else ""
        return _struct(
            ("status", "pending", False),
            ("statusDesc", "", False),
            ("triggeredDeployRequestId", triggered, True),
            ("triggeredBy", "", False),
        )
    assert result is not None  # noqa: S101
    manifest = event.type != "rollback"
    triggered_by = "policy" if event.type == "artifact" else str(event.request.get("triggeredBy", ""))
    return _struct(
        ("app", result.app if manifest else "", True),
        ("env", result.env if manifest else "", True),
        ("status", result.status, False),
        ("statusDesc", result.status_desc, False),
        ("gitopsRef", result.hash, True),
        ("triggeredImageBuildId", result.image_build, True),
        ("triggeredBy", triggered_by, False),
    )


def event_created(event: _Event) -> int:
    return int(event.created)


def event_sha(event: _Event, app: DevServer) -> str:
    """The source commit Gimlet stores on the event: the artifact's (none for a rollback)."""
    if event.type == "rollback":
        return ""
    artifact_id = event.artifact_id or str(event.request.get("artifactId") or event.request.get("artifactID") or "")
    artifact = app._artifact(artifact_id) if artifact_id else None  # noqa: SLF001
    version = artifact.get("version", {}) if artifact else {}
    return str(version.get("sha", "")) if isinstance(version, Mapping) else ""


def event_repository(event: _Event, app: DevServer) -> str:
    if event.type == "rollback":
        return ""
    artifact_id = event.artifact_id or str(event.request.get("artifactId") or event.request.get("artifactID") or "")
    artifact = app._artifact(artifact_id) if artifact_id else None  # noqa: SLF001
    version = artifact.get("version", {}) if artifact else {}
    return str(version.get("repositoryName", "")) if isinstance(version, Mapping) else ""


def commit_event_message(event: _Event, app: DevServer) -> dict[str, Any]:
    return {"commitEvent": commit_event(event, app), "event": "commitEvent"}


def gitops_commit_message(sha: str, status: str, desc: str, created: int, env: str) -> dict[str, Any]:
    from gimlet_ci._devserver import _struct  # noqa: PLC0415

    commit = _struct(
        ("sha", sha, True),
        ("status", status, True),
        ("statusDesc", desc, True),
        ("created", created, True),
        ("env", env, True),
    )
    return {"gitopsCommit": commit, "event": "gitopsCommit"}


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
# The dev server's side: hooks called from _devserver.py


class Push:
    """The dev server's push state: hub, clock, and the hooks the event lifecycle calls."""

    def __init__(self, app: DevServer) -> None:
        self.app = app
        self.hub = Hub(app)
        self.clock = Clock(app._lock)  # noqa: SLF001

    def start(self) -> None:
        self.clock.start()

    def stop(self) -> None:
        self.clock.stop()
        self.hub.close_all()

    # -- lifecycle hooks (called with the server's lock held) ---------------------------------------

    def created(self, event: _Event) -> None:
        """A new event: broadcast it, and have the clock process it when its time comes."""
        self.hub.broadcast([commit_event_message(event, self.app)])
        self.clock.at(event.process_at, self._advance)

    def processed(self, event: _Event) -> None:
        """An event changed state: its gitops commits first (as Gimlet's worker), then the event itself."""
        reconcile = self.app.reconcile_delay
        messages: list[dict[str, Any]] = []
        for result in event.results:
            if not result.hash:
                continue
            status, desc = result._gitops(0.0, reconcile)  # noqa: SLF001
            messages.append(gitops_commit_message(result.hash, status, desc, event_created(event), result.env))
            for moment in self._moments(result, reconcile):
                self.clock.at(moment, functools.partial(self._gitops, result))
        messages.append(commit_event_message(event, self.app))
        self.hub.broadcast(messages)

    @staticmethod
    def _moments(result: _Result, reconcile: float) -> list[float]:
        start = result.committed_at
        moments = [start + reconcile / 2, start + reconcile]
        if result.recovers:
            moments.append(start + 2 * reconcile)
        return [m for m in moments if m > start] or [start]

    def _gitops(self, result: _Result, when: float) -> None:
        status, desc = result._gitops(when - result.committed_at + 1e-9, self.app.reconcile_delay)  # noqa: SLF001
        flux_time = int(time.time())
        self.hub.broadcast(
            [gitops_commit_message(result.hash, status, desc, flux_time, result.env)],
            now=when,
        )

    def _advance(self, when: float) -> None:
        self.app._advance(max(when, time.monotonic()))  # noqa: SLF001

    # -- routes ------------------------------------------------------------------------------------

    def commit_events(self, request: _Request, now: float) -> _Response:  # noqa: ARG002
        """``GET /api/repo/{owner}/{name}/commits/{sha}/events``: the commit's events, newest first; ``[]`` if none."""
        from gimlet_ci._devserver import _error, _Response, go_json  # noqa: PLC0415

        if self.app.faults.no_commit_events or self.app.faults.no_track_endpoints:
            return _error(404, "404 page not found")
        parts = request.path.split("/")
        owner, name, sha = parts[3], parts[4], parts[6]
        repository = f"{owner}/{name}"
        events = [
            e
            for e in self.app._events.values()  # noqa: SLF001
            if e.type != "rollback" and event_repository(e, self.app) == repository and event_sha(e, self.app) == sha
        ]
        events.reverse()  # newest stored first within one second
        events.sort(key=event_created, reverse=True)
        return _Response(200, go_json([commit_event(e, self.app) for e in events], keep_order=True))


def is_commit_events_path(path: str) -> bool:
    parts = path.split("/")
    return (
        len(parts) == 8  # noqa: PLR2004
        and parts[:3] == ["", "api", "repo"]
        and all(parts[3:6])
        and parts[5] == "commits"
        and bool(parts[6])
        and parts[7] == "events"
    )


def upgrade(app: DevServer, handler: http.server.BaseHTTPRequestHandler, request: _Request) -> _Response | None:
    """``GET /ws/``: an error answer, or None once the socket was served to its end."""
    from gimlet_ci._devserver import _error, _Response  # noqa: PLC0415

    faults = app.faults
    if faults.ws_disabled:
        return _error(404, "404 page not found")
    if request.method != "GET":
        return _Response(405, b"", content_type=None)
    if faults.force_status is not None:
        return _error(faults.force_status)
    if not app._authorized(request):  # noqa: SLF001
        return _error(401)
    headers = {k.lower(): v for k, v in request.headers.items()}
    if "upgrade" not in headers.get("connection", "").lower():
        return _error(
            400,
            "websocket: the client is not using the websocket protocol: 'upgrade' token not found in 'Connection' "
            "header",
        )
    if headers.get("upgrade", "").lower() != "websocket":
        return _error(
            400,
            "websocket: the client is not using the websocket protocol: 'websocket' token not found in 'Upgrade' "
            "header",
        )
    if headers.get("sec-websocket-version") != "13":
        return _error(400, "websocket: unsupported version: 13 not found in 'Sec-Websocket-Version' header")
    key = headers.get("sec-websocket-key", "")
    if not key:
        return _error(400, "websocket: not a websocket handshake: 'Sec-WebSocket-Key' header is missing or blank")
    with app._lock:  # noqa: SLF001
        app._counts[("GET", "/ws/")] += 1  # noqa: SLF001
        how = "header" if request.headers.get("Authorization", "").startswith(("Bearer ", "BEARER ")) else "query"
        app.push.hub.upgrades.append((urllib.parse.urlencode(request.query, doseq=True), how))
    app.push.hub.serve(handler, key)
    return None


__all__ = ["Hub", "Push", "accept_key", "commit_event", "frame", "is_commit_events_path", "read_frame", "upgrade"]

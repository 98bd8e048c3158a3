"""The dev server's push channel and commit-events route, as Gimlet serves them."""

from __future__ import annotations

import argparse
import base64
import json
import os
import queue
import socket
import struct
import threading
import time
from collections.abc import Iterator
from typing import Any

import attrs
import httpx
import pytest
from httpx_ws import WebSocketSession, connect_ws

from gimlet_ci.devserver import ws
from gimlet_ci.devserver.ws import accept_key
from gimlet_ci.testing import GimletServer

TOKEN = "test-token"
SHA = "9f1c2e0d" * 5
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def _artifact(*, strategy: str | None = None) -> dict[str, Any]:
    values: dict[str, Any] = {"image": {"repository": "registry/shop", "tag": "{{ .SHA }}"}}
    if strategy:
        values["image"]["strategy"] = strategy
    return {
        "version": {"repositoryName": "acme/shop", "sha": SHA, "branch": "main"},
        "environments": [
            {"app": "shop", "env": "staging", "deploy": {"branch": "main", "event": "push"}, "values": values}
        ],
        "vars": {"SHA": SHA},
    }


@pytest.fixture(name="server")
def _server() -> Iterator[GimletServer]:
    with GimletServer(processing_delay=0.05, reconcile_delay=0.1) as server:
        yield server


@pytest.fixture(name="http")
def _http(server: GimletServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, headers=AUTH, timeout=5) as client:
        yield client


def _messages(ws: WebSocketSession, seconds: float) -> tuple[list[dict[str, Any]], list[str]]:
    """Every message received within *seconds*, and the raw frames they came in."""
    frames: list[str] = []
    end = time.monotonic() + seconds
    while (left := end - time.monotonic()) > 0:
        try:
            frames.append(ws.receive_text(timeout=left))
        except queue.Empty:
            break
    return [json.loads(line) for text in frames for line in text.split("\n")], frames


def test_artifact_lifecycle_on_the_channel(server: GimletServer, http: httpx.Client) -> None:
    """Created, then the gitops commit before the processed event that names it, then each Flux status change."""
    with connect_ws("/ws/", http) as ws:
        http.post("/api/artifact", json=_artifact())
        messages, frames = _messages(ws, 0.4)

    kinds = [(m["event"], m.get("commitEvent", m.get("gitopsCommit", {})).get("status")) for m in messages]
    assert [
        ("commitEvent", "new"),
        ("gitopsCommit", "NotReconciled"),
        ("commitEvent", "processed"),
        ("gitopsCommit", "Progressing"),
        ("gitopsCommit", "ReconciliationSucceeded"),
    ] == kinds
    assert any("\n" in frame for frame in frames), "the processed transition's messages share one frame"
    processed = messages[2]["commitEvent"]
    assert ["id", "created", "type", "sha", "status", "statusDesc", "results"] == list(processed)
    result = processed["results"][0]
    assert ["app", "env", "status", "statusDesc", "gitopsRef", "triggeredBy"] == list(result)
    assert (messages[1]["gitopsCommit"]["sha"], "policy") == (result["gitopsRef"], result["triggeredBy"])
    assert ["gitopsCommit", "event"] == list(messages[1])
    assert ["commitEvent", "event"] == list(messages[0])


def test_policy_image_build_on_the_channel_and_in_the_commit_events(server: GimletServer, http: httpx.Client) -> None:
    """A building manifest: the artifact result names the build only here, the build triggers a release that deploys."""
    with connect_ws("/ws/", http) as ws:
        artifact_id = http.post("/api/artifact", json=_artifact(strategy="dockerfile")).json()["id"]
        messages, _ = _messages(ws, 0.6)

    events = [m["commitEvent"] for m in messages if m["event"] == "commitEvent"]
    artifact = next(e for e in events if e["type"] == "artifact" and e["status"] == "processed")
    build_id = artifact["results"][0]["triggeredImageBuildId"]
    build = [e for e in events if e["id"] == build_id]
    assert ["new", "success"] == [e["status"] for e in build]
    assert [{"status": "pending", "statusDesc": "", "triggeredBy": ""}] == build[0]["results"]
    release_id = build[-1]["results"][0]["triggeredDeployRequestId"]
    assert "policy" == build[0]["imageBuildRequest"]["triggeredBy"]
    assert ["new", "processed"] == [e["status"] for e in events if e["id"] == release_id]

    track = http.get("/api/eventArtifactTrack", params={"artifactId": artifact_id}).json()
    assert [{"app": "shop", "status": "success", "env": "staging"}] == track["results"]
    listed = http.get(f"/api/repo/acme/shop/commits/{SHA}/events").json()
    assert {"artifact", "imageBuild", "release"} == {e["type"] for e in listed}
    assert [e["created"] for e in listed] == sorted((e["created"] for e in listed), reverse=True)
    assert build_id == next(e for e in listed if e["type"] == "artifact")["results"][0]["triggeredImageBuildId"]


def test_commit_events_route(server: GimletServer, http: httpx.Client) -> None:
    """`[]` for an unknown commit, 401 without the token, 404 when the knob plays a Gimlet older than v0.26."""
    response = http.get(f"/api/repo/acme/shop/commits/{'0' * 40}/events")
    assert (200, b"[]", "text/plain; charset=utf-8") == (
        response.status_code,
        response.content,
        response.headers["content-type"],
    )
    assert 401 == httpx.get(f"{server.url}/api/repo/acme/shop/commits/{SHA}/events").status_code
    server.faults.no_commit_events = True
    assert (404, b"404 page not found\n") == (
        http.get(f"/api/repo/acme/shop/commits/{SHA}/events").status_code,
        http.get(f"/api/repo/acme/shop/commits/{SHA}/events").content,
    )


def test_upgrade_needs_the_token_and_a_websocket_handshake(server: GimletServer, http: httpx.Client) -> None:
    """401 before the upgrade without a token, 400 for a plain GET, 404 when the channel is switched off."""
    assert (401, b"Unauthorized\n") == (
        httpx.get(f"{server.url}/ws/").status_code,
        httpx.get(f"{server.url}/ws/").content,
    )
    plain = http.get("/ws/")
    assert 400 == plain.status_code
    assert b"'upgrade' token not found" in plain.content
    server.faults.ws_disabled = True
    assert 404 == http.get("/ws/").status_code


def _until(condition: Any, seconds: float = 3.0) -> None:
    end = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < end, "condition not reached"
        time.sleep(0.005)


def _raw_connect(server: GimletServer, *, query: str = "") -> tuple[socket.socket, bytes]:
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=5)
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(
        (
            f"GET /ws/{query} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        ).encode()
    )
    head = b""
    while b"\r\n\r\n" not in head:
        head += sock.recv(1)
    assert f"Sec-WebSocket-Accept: {accept_key(key)}".encode() in head
    return sock, head


def _client_frame(opcode: int, payload: bytes) -> bytes:
    mask = os.urandom(4)
    masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    return struct.pack("!BB", 0x80 | opcode, 0x80 | len(payload)) + mask + masked


def _read_server_frame(sock: socket.socket) -> tuple[int, bytes]:
    first, second = sock.recv(1)[0], sock.recv(1)[0]
    length = second & 0x7F
    if length == 126:
        length = struct.unpack("!H", sock.recv(2))[0]
    data = b""
    while len(data) < length:
        data += sock.recv(length - len(data))
    return first & 0x0F, data


def test_access_token_query_works_and_pings_are_answered(server: GimletServer) -> None:
    """`?access_token=` authenticates the upgrade too; a client's ping gets a pong with the same payload."""
    sock, head = _raw_connect(server, query=f"?access_token={TOKEN}")
    assert head.startswith(b"HTTP/1.1 101 ")
    sock.sendall(_client_frame(0x9, b"hi"))
    assert (0xA, b"hi") == _read_server_frame(sock)
    sock.close()
    assert [(f"access_token={TOKEN}", "query")] == server.push.hub.upgrades


def test_a_client_without_pongs_is_dropped(server: GimletServer) -> None:
    """The server pings every period and closes the socket when no pong came within the pong wait."""
    server.faults.ws_ping_period = 0.02
    server.faults.ws_pong_wait = 0.1
    sock, _ = _raw_connect(server, query=f"?access_token={TOKEN}")
    assert 0x9 == _read_server_frame(sock)[0]
    sock.settimeout(2)
    deadline = time.monotonic() + 2
    while time.monotonic() < deadline:
        try:
            if not sock.recv(1024):
                break
        except OSError:
            break
    else:
        pytest.fail("the server kept a client that never answered its pings")
    sock.close()


def test_a_data_message_from_a_client_is_broadcast_to_every_client(server: GimletServer, http: httpx.Client) -> None:
    """Gimlet re-broadcasts what a client sends (which is why gimlet-ci never sends one)."""
    with connect_ws("/ws/", http) as listener:
        sock, _ = _raw_connect(server, query=f"?access_token={TOKEN}")
        sock.sendall(_client_frame(0x1, b'{"event":"hello"}'))
        messages, _ = _messages(listener, 0.3)
        sock.close()
    assert [{"event": "hello"}] == messages
    assert [b'{"event":"hello"}'] == server.push.hub.received


def test_a_full_queue_drops_the_client_with_a_close_frame(server: GimletServer) -> None:
    """More than 256 messages queued for one client: Gimlet closes it (a close frame, then the socket)."""
    server.faults.ws_delay = 0.2  # the writer holds back, so the queue fills
    sock, _ = _raw_connect(server, query=f"?access_token={TOKEN}")
    _until(lambda: server.push.hub.clients() == 1)
    server.push.hub.broadcast([{"event": "podLogs", "n": i} for i in range(300)])
    assert 0x8 == _read_server_frame(sock)[0]
    assert 0 == server.push.hub.clients()
    sock.close()


def test_a_client_dropped_before_its_threads_run_still_gets_the_close_frame(
    server: GimletServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A client dropped for a full queue before its reader and writer ran: the close frame still goes out before
    the connection ends (the handler used to close it as soon as the reader returned)."""
    reader_done = threading.Event()
    reader, writer = ws._Client.reader, ws._Client.writer

    def late_reader(client: Any) -> None:
        with client.cond:
            client.cond.wait_for(lambda: client.closed, timeout=3)
        reader(client)
        reader_done.set()

    def late_writer(client: Any) -> None:
        reader_done.wait(timeout=3)
        writer(client)

    monkeypatch.setattr(ws._Client, "reader", late_reader)
    monkeypatch.setattr(ws._Client, "writer", late_writer)
    sock, _ = _raw_connect(server, query=f"?access_token={TOKEN}")
    _until(lambda: server.push.hub.clients() == 1)
    server.push.hub.broadcast([{"event": "podLogs", "n": i} for i in range(300)])
    try:
        assert 0x8 == _read_server_frame(sock)[0]
    finally:
        sock.close()


def test_drop_after_and_delay_knobs(server: GimletServer, http: httpx.Client) -> None:
    """ws_drop_after closes a socket after N messages; ws_delay holds each message back."""
    server.faults.ws_drop_after = 1
    server.faults.ws_delay = 0.1
    with connect_ws("/ws/", http) as ws:
        sent = time.monotonic()
        server.push.hub.broadcast([{"event": "x"}])
        assert '{"event":"x"}' == ws.receive_text(timeout=2)
        assert time.monotonic() - sent >= 0.09
        with pytest.raises(Exception):  # noqa: B017 - the socket is gone: httpx-ws reports it as it can
            ws.receive_text(timeout=2)
    assert 1 == server.push.hub.connections


def test_timeline_records_every_broadcast(server: GimletServer, http: httpx.Client) -> None:
    """`timeline()` has each message with the moment it left, also with no client connected."""
    http.post("/api/artifact", json=_artifact())
    _until(lambda: len(server.timeline()) == 5)  # the server's own delays: processing, then reconcile
    timeline = server.timeline()
    assert "ReconciliationSucceeded" == timeline[-1][1]["gitopsCommit"]["status"]
    assert [t for t, _ in timeline] == sorted(t for t, _ in timeline)


def test_the_channel_knobs_are_dev_server_options() -> None:
    """`gimlet-ci dev-server` takes every push-channel knob, and the commit-events one, as an option."""
    from gimlet_ci.devserver.arguments import add_arguments  # noqa: PLC0415
    from gimlet_ci.devserver.faults import Faults  # noqa: PLC0415

    parser = argparse.ArgumentParser()
    add_arguments(parser)
    args = parser.parse_args(
        [
            *("--ws-disabled", "--ws-drop-after", "3", "--ws-delay", "250ms", "--ws-ignore-pings"),
            *("--no-commit-events", "--ws-ping-period", "1", "--ws-pong-wait", "2s"),
        ]
    )
    names = ("ws_disabled", "ws_drop_after", "ws_delay", "ws_ignore_pings", "no_commit_events")
    assert (True, 3, 0.25, True, True) == tuple(getattr(args, n) for n in names)
    assert (1.0, 2.0) == (args.ws_ping_period, args.ws_pong_wait)
    assert set(names) <= set(attrs.fields_dict(Faults))

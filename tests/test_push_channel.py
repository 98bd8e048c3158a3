"""Waiting with the push channel, end to end against the dev server: wake-ups, the switch, and every fallback."""

from __future__ import annotations

import io
import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from gimlet_ci import _push
from gimlet_ci._push import PushPolicy
from gimlet_ci.cli import main
from gimlet_ci.devserver.ws import frame
from gimlet_ci.testing import GimletServer
from tests.helpers import make_repo

TOKEN = "push-T0KEN-never-shown-4242"
TRACK = "/api/eventArtifactTrack"
QUIET = PushPolicy(safety=300.0, reconnect_base=0.0, reconnect_cap=0.0)
"""Background polls so rare that a wait ends on time only if the channel wakes it."""


@pytest.fixture(name="repo")
def _repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path)


@pytest.fixture(name="quiet")
def _quiet(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The test mode's push policy, but with a 300 s safety poll: only push messages can end a wait quickly."""
    monkeypatch.setattr(_push, "TEST_PUSH", QUIET)
    return


def _ship(server: GimletServer, repo: Path, *args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    err = io.StringIO()
    code = main(
        ["--platform", "local", "-C", str(repo), "ship", "--wait", "--timeout", "20s", *args],
        {"GIMLET_SERVER": server.url, "GIMLET_TOKEN": TOKEN, **(env or {})},
        stdout=io.StringIO(),
        stderr=err,
    )
    text = err.getvalue()
    assert TOKEN not in text
    return code, text


def test_ship_wait_is_woken_by_the_channel(repo: Path, quiet: None) -> None:
    """With a 300 s safety poll, ship --wait still ends as soon as the deploy reconciles: two reads, no data sent."""
    with GimletServer(token=TOKEN, processing_delay=0.1, reconcile_delay=0.3) as server:
        started = time.monotonic()
        code, text = _ship(server, repo)
        elapsed = time.monotonic() - started

        assert 0 == code, text
        assert "shop -> staging: succeeded" in text
        assert elapsed < 5
        assert 2 == server.request_count("GET", TRACK)
        assert [("", "header")] == server.push.hub.upgrades
        assert [] == server.push.hub.received


def test_progress_comes_from_the_messages(repo: Path, quiet: None) -> None:
    """NotReconciled and Progressing are shown from the channel's messages, without a read for each."""
    with GimletServer(token=TOKEN, processing_delay=0.05, reconcile_delay=0.4) as server:
        code, text = _ship(server, repo)

    assert 0 == code, text
    lines = [line for line in text.splitlines() if "shop -> staging" in line]
    assert ["NotReconciled", "Progressing", "ReconciliationSucceeded"] == [
        next(s for s in ("NotReconciled", "Progressing", "ReconciliationSucceeded") if s in line) for line in lines
    ]


@pytest.mark.parametrize("how", ["env", "option"])
def test_the_switch_turns_the_channel_off(repo: Path, how: str) -> None:
    """GIMLET_PUSH=off or --no-push: no /ws/ request at all, and the wait polls."""
    args, env = (("--no-push",), {}) if how == "option" else ((), {"GIMLET_PUSH": "off"})
    with GimletServer(token=TOKEN) as server:
        code, text = _ship(server, repo, *args, env=env)
        assert 0 == code, text
        assert 0 == server.request_count("GET", "/ws/")


def test_the_option_beats_the_variable(repo: Path) -> None:
    """--no-push wins over GIMLET_PUSH=on, as every option wins over its variable."""
    with GimletServer(token=TOKEN) as server:
        code, _ = _ship(server, repo, "--no-push", env={"GIMLET_PUSH": "on"})
        assert (0, 0) == (code, server.request_count("GET", "/ws/"))


def test_a_bad_switch_value_is_a_configuration_error(repo: Path) -> None:
    """GIMLET_PUSH=maybe stops the run with exit 2 and names the variable."""
    with GimletServer(token=TOKEN) as server:
        code, text = _ship(server, repo, env={"GIMLET_PUSH": "maybe"})
    assert 2 == code
    assert "GIMLET_PUSH" in text


def _fallbacks(text: str) -> list[str]:
    return [line for line in text.splitlines() if "Push channel unavailable" in line]


def test_an_old_gimlet_without_the_channel_means_polling(repo: Path) -> None:
    """A 404 on the upgrade (an old Gimlet, a proxy): one info line, no failure, no reconnect, the wait polls."""
    with GimletServer(token=TOKEN, ws_disabled=True) as server:
        code, text = _ship(server, repo)

    assert 0 == code, text
    assert 1 == len(_fallbacks(text)), text
    assert "HTTP 404" in _fallbacks(text)[0]
    assert "reconnects" not in text


def test_an_upgrade_dropped_without_an_answer_is_retried_later(repo: Path) -> None:
    """The upgrade's connection closes before any answer (a proxy giving up): the wait polls and plans a reconnect."""
    with GimletServer(token=TOKEN, processing_delay=0.05, reconcile_delay=0.1) as server:
        server.faults.force_status = None
        server.faults.ws_disabled = False
        original = server.push.hub.serve

        def refuse(*args: Any, **kwargs: Any) -> None:
            raise OSError

        server.push.hub.serve = refuse  # type: ignore[method-assign]
        code, text = _ship(server, repo)
        server.push.hub.serve = original  # type: ignore[method-assign]

    assert 0 == code, text
    assert 1 == len(_fallbacks(text)), text
    assert "until it reconnects" in _fallbacks(text)[0]


def _during_wait(server: GimletServer, action: Any) -> threading.Thread:
    """Run *action* once a push-channel socket is open (the wait is on)."""

    def run() -> None:
        deadline = time.monotonic() + 10
        while server.push.hub.clients() == 0 and time.monotonic() < deadline:
            time.sleep(0.005)
        action()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


@pytest.mark.parametrize(
    ("name", "raw"),
    [
        pytest.param("close", frame(0x8, b"\x03\xe8"), id="close-frame"),
        pytest.param("garbage", b"\xff\xff\xff\xff garbage", id="garbage-frame"),
        pytest.param("huge", frame(0x1, b"x" * 70_000), id="huge-frame"),
        pytest.param("bad-utf8", frame(0x1, b"\xff\xfe"), id="invalid-utf8"),
    ],
)
def test_a_broken_channel_falls_back_to_polling_and_reconnects(
    repo: Path, monkeypatch: pytest.MonkeyPatch, name: str, raw: bytes
) -> None:
    """A close, garbage, an oversized or invalid frame: one info line, the wait goes on, the channel reconnects."""
    monkeypatch.setattr(_push, "TEST_PUSH", PushPolicy(safety=0.05, max_message=65_536, reconnect_base=0.0))
    with GimletServer(token=TOKEN, processing_delay=0.3, reconcile_delay=0.3) as server:
        thread = _during_wait(server, lambda: server.push.hub.inject(raw))
        code, text = _ship(server, repo)
        thread.join(timeout=5)
        connections = server.push.hub.connections

    assert 0 == code, text
    assert 1 <= len(_fallbacks(text)), (name, text)
    assert "until it reconnects" in _fallbacks(text)[0]
    assert 2 <= connections
    if name == "huge":
        assert "larger than 65536 bytes" in text


def test_a_dropped_socket_is_reconnected_and_still_wakes_the_wait(repo: Path, quiet: None) -> None:
    """Every socket dropped after its first message: the wait reconnects each time and ends when the deploy does."""
    with GimletServer(token=TOKEN, processing_delay=0.2, reconcile_delay=0.6, ws_drop_after=1) as server:
        started = time.monotonic()
        code, text = _ship(server, repo)
        elapsed = time.monotonic() - started
        connections = server.push.hub.connections

    assert 0 == code, text
    assert elapsed < 5
    assert 2 <= connections


def test_a_missed_ping_deadline_falls_back(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A server that stops answering pings: the channel counts as dead after the ping timeout, and the wait polls."""
    policy = PushPolicy(safety=300.0, ping_interval=0.05, ping_timeout=0.1, reconnect_base=60.0, reconnect_cap=60.0)
    monkeypatch.setattr(_push, "TEST_PUSH", policy)
    with GimletServer(token=TOKEN, processing_delay=0.5, reconcile_delay=0.2, ws_ignore_pings=True) as server:
        code, text = _ship(server, repo)

    assert 0 == code, text
    assert 1 == len(_fallbacks(text)), text
    assert "ping deadline" in _fallbacks(text)[0]


def test_a_slow_reader_is_dropped_by_the_server_and_the_wait_goes_on(repo: Path, quiet: None) -> None:
    """A burst beyond Gimlet's 256-message queue drops the client (a close frame); the wait reconnects and ends."""
    burst = [{"event": "podLogs", "message": f"line {i}"} for i in range(300)]
    with GimletServer(token=TOKEN, processing_delay=0.3, reconcile_delay=0.3) as server:
        thread = _during_wait(server, lambda: server.push.hub.broadcast(burst))
        code, text = _ship(server, repo)
        thread.join(timeout=5)

    assert 0 == code, text
    assert 1 <= len(_fallbacks(text)), text  # a close frame, then the socket: either may be read first
    assert "until it reconnects" in _fallbacks(text)[0]


def test_the_client_answers_the_servers_pings(repo: Path, quiet: None) -> None:
    """The server pings every 50 ms and drops a client without a pong after 150 ms: ours stays connected."""
    with GimletServer(
        token=TOKEN, processing_delay=0.3, reconcile_delay=0.4, ws_ping_period=0.05, ws_pong_wait=0.15
    ) as server:
        code, text = _ship(server, repo)
        connections = server.push.hub.connections

    assert 0 == code, text
    assert [] == _fallbacks(text)
    assert 1 == connections


def test_on_demand_release_and_track_use_the_channel(repo: Path, quiet: None) -> None:
    """ship --deploy and track --release --wait are woken by the channel too: a handful of reads each."""
    with GimletServer(token=TOKEN, processing_delay=0.1, reconcile_delay=0.2) as server:
        out = io.StringIO()
        code = main(
            [
                *("--platform", "local", "-C", str(repo), "ship", "--deploy", "--env", "production", "--app", "shop"),
                *("--timeout", "20s", "--output", "json"),
            ],
            {"GIMLET_SERVER": server.url, "GIMLET_TOKEN": TOKEN},
            stdout=out,
            stderr=io.StringIO(),
        )
        assert 0 == code
        assert server.request_count("GET", "/api/eventReleaseTrack") <= 3
        release_id = json.loads(out.getvalue())["release_id"]

        before = server.request_count("GET", "/api/eventReleaseTrack")
        code = main(
            ["track", "--release", release_id, "--wait", "--timeout", "5s"],
            {"GIMLET_SERVER": server.url, "GIMLET_TOKEN": TOKEN},
            stdout=io.StringIO(),
            stderr=io.StringIO(),
        )
        assert 0 == code
        assert 1 == server.request_count("GET", "/api/eventReleaseTrack") - before
        assert 2 == server.request_count("GET", "/ws/")  # one for ship --deploy, one for track


def test_the_demo_uses_the_channel_and_says_so(tmp_path: Path) -> None:
    """gimlet-ci demo waits on the push channel and says what it saw."""
    err = io.StringIO()
    code = main(["-C", str(tmp_path), "demo", "--fast"], {}, stdout=io.StringIO(), stderr=err)

    assert 0 == code, err.getvalue()
    assert "push channel" in err.getvalue()


def test_closing_does_not_hang_on_a_full_receive_queue() -> None:
    """700 frames nobody read fill httpx-ws's queue and block its reader; closing the channel still ends at once."""
    import httpx  # noqa: PLC0415

    from gimlet_ci._push import Channel  # noqa: PLC0415

    with (
        GimletServer(token=TOKEN) as server,
        httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {TOKEN}"}) as http,
    ):
        channel = Channel(http, PushPolicy())
        assert channel.open()
        server.push.hub.inject(b"".join(frame(0x1, b'{"event":"podLogs"}') for _ in range(700)))
        deadline = time.monotonic() + 5
        while not channel._ws._events.full() and time.monotonic() < deadline:
            time.sleep(0.005)
        assert channel._ws._events.full()

        closed = threading.Event()
        threading.Thread(target=lambda: (channel.close(), closed.set()), daemon=True).start()
        assert closed.wait(2), "closing the channel hung"

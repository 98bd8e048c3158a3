"""``gimlet_ci.testing.set_testing``: test mode for users' own tests, read whenever a wait would sleep."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from gimlet_ci import Deadline, PollSchedule, RetryPolicy, Settings, Timing, _retry, build_client, prepare, ship
from gimlet_ci._retry import _sleep
from gimlet_ci.adapters import CIContext
from gimlet_ci.testing import GimletServer, is_testing, set_testing
from tests.helpers import git, make_repo


@pytest.fixture(name="slept")
def _slept(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Every real sleep of gimlet-ci's waits, recorded instead of slept."""
    calls: list[float] = []
    monkeypatch.setattr(_retry, "time", SimpleNamespace(sleep=calls.append))
    return calls


def test_set_testing_switches_now_and_restores_on_leaving_a_block() -> None:
    """A plain call switches the mode; a ``with`` block puts back the mode that was on before, nested too."""
    set_testing(False)
    assert not is_testing()
    with set_testing(True):
        assert is_testing()
        with set_testing(False):
            assert not is_testing()
        assert is_testing()
    assert not is_testing()


def test_the_mode_is_read_when_a_wait_sleeps(slept: list[float]) -> None:
    """A deadline built with test mode off does not sleep once the mode is on, and sleeps again once it is off."""
    with set_testing(False):
        deadline = Deadline(60.0)
        deadline.sleep(2.0, "waiting")
        with set_testing(True):
            deadline.sleep(3.0, "waiting")
        _sleep(4.0)

    assert [2.0, 0.0, 4.0] == slept


def test_an_injected_sleep_always_gets_the_real_interval() -> None:
    """A Timing with its own sleep (a fake clock) is called with the real interval, test mode or not."""
    asked: list[float] = []
    with set_testing(True):
        Deadline(60.0, Timing(sleep=asked.append)).sleep(2.5, "waiting")

    assert [2.5] == asked


def test_a_pipeline_test_against_the_local_server_does_not_wait(tmp_path: Path, slept: list[float]) -> None:
    """With a client and schedules built before test mode, a waited ship against GimletServer never sleeps
    between its polls (the push channel is off here, so that the wait is all polls)."""
    repo = make_repo(tmp_path)
    ctx = CIContext(platform="local", repository="acme/shop", sha=git(repo, "rev-parse", "HEAD"), branch="main")
    settings = Settings(wait=True, push=False)
    with set_testing(False), GimletServer(processing_delay=0.05, reconcile_delay=0.1) as server:
        client = build_client(
            server=server.url, token=server.token, deadline=Deadline(30.0), user_agent="t", retry=RetryPolicy()
        )
        with set_testing(True), client.http:
            outcome = ship(prepare(ctx, settings, checkout=repo), settings, client=client, schedule=PollSchedule())

    assert "succeeded" == outcome.status
    assert slept
    assert all(0.0 == seconds for seconds in slept)

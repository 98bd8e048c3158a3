"""Waiting: the poll schedule, progress lines, and one deadline for the whole command (with a fake clock)."""

from __future__ import annotations

import itertools
import math
import random
import statistics

import httpx
import pytest
from structlog.testing import capture_logs

from gimlet_ci._client import connect
from gimlet_ci._flows import track, watch
from gimlet_ci._models import Outcome, Result, TrackStatus
from gimlet_ci._retry import Deadline, PollSchedule, RetryPolicy, Timing
from gimlet_ci._settings import Settings
from gimlet_ci.exceptions import DeadlineExceeded, GimletAPIError


class Clock:
    """Time moves only when the code sleeps."""

    def __init__(self) -> None:
        self.now = 0.0

    def sleep(self, seconds: float) -> None:
        self.now += seconds

    def timing(self) -> Timing:
        return Timing(clock=lambda: self.now, sleep=self.sleep, wall=lambda: self.now)


def _points(schedule: PollSchedule, until: float = 3600.0) -> list[float]:
    """The moments the schedule polls at, from 0 to *until*."""
    points, elapsed = [0.0], 0.0
    for interval in schedule.intervals():
        elapsed += interval
        points.append(elapsed)
        if elapsed > until:
            return points
    raise AssertionError  # pragma: no cover - intervals() never ends


def _requests(points: list[float], end: float) -> int:
    """Reads until one sees a deploy that finished at *end*."""
    return next(index for index, point in enumerate(points, start=1) if point >= end)


def _go_cli(end: float) -> int:
    """The official CLI's reads for the same wait: a fixed 5 s poll from 0 until one sees the end."""
    return math.ceil(end / 5) + 1


def test_schedule_starts_fast_and_spends_fewer_requests_in_the_first_minute() -> None:
    """Reads at 0, 1 and 2 s, then 4.8 s apart: 15 reads in the first minute (85 before)."""
    points = _points(PollSchedule(jitter=0.0))
    assert [0.0, 1.0, 2.0, 6.8] == [round(p, 3) for p in points[:4]]
    assert 15 == sum(1 for p in points if p < 60)


def test_requests_stay_within_125_percent_of_a_5s_poll_from_the_first_minute_on() -> None:
    """Over any wait of a minute or more, jitter included, at most 125 % of the fixed 5 s poll's requests."""
    random.seed(7)
    for _ in range(50):
        points = _points(PollSchedule())
        worst = max(_requests(points, t / 10) / _go_cli(t / 10) for t in range(600, 36000, 7))
        assert worst <= 1.25
    ten_minutes = _requests(_points(PollSchedule(jitter=0.0)), 600.0)
    assert ten_minutes <= 1.25 * _go_cli(600.0)


def test_mean_lateness_after_the_first_minute_is_at_most_the_go_clis() -> None:
    """A deploy that ends after the first minute is seen 2.5 s late or less on average (the 5 s poll: 2.5 s)."""
    random.seed(11)
    late = []
    for _ in range(40):
        points = _points(PollSchedule(), until=700.0)
        for _ in range(100):
            end = random.uniform(60.0, 600.0)  # noqa: S311 - a sample, not a secret
            late.append(next(p for p in points if p >= end) - end)
    assert statistics.mean(late) <= 2.5


def test_progress_line_every_ten_seconds_while_nothing_changes() -> None:
    """While the status stays `new`, a progress line at the first read 10 s after the last, with the elapsed time."""
    clock = Clock()
    deadline = Deadline(35.0, clock.timing())
    with capture_logs() as logs, pytest.raises(DeadlineExceeded) as e:
        watch(
            lambda: TrackStatus(status="new"),
            what="the artifact",
            on_demand=False,
            deadline=deadline,
            schedule=PollSchedule(jitter=0.0),
            outcome=Outcome(artifact_id="a"),
        )

    waiting = [float(entry["elapsed"].rstrip("s")) for entry in logs if entry["event"] == "gimlet_ci.waiting"]
    assert 2 == len(waiting)
    assert all(10 <= later - earlier <= 15 for earlier, later in zip([0, *waiting], waiting, strict=False))
    assert "not processed yet" in e.value.message
    assert e.value.outcome is not None
    assert "timeout" == e.value.outcome.status


def test_each_status_change_is_reported_once() -> None:
    """A deploy going NotReconciled -> Progressing -> ReconciliationSucceeded is reported at each change only."""
    clock = Clock()
    answers = itertools.chain(
        [TrackStatus(status="new")] * 3,
        [
            TrackStatus(
                status="processed",
                results=(Result(app="a", env="e", hash="h" * 40, status="success", gitops_commit_status=s),),
            )
            for s in ("NotReconciled", "NotReconciled", "Progressing", "Progressing", "ReconciliationSucceeded")
        ],
    )
    with capture_logs() as logs:
        verdict = watch(
            lambda: next(answers),
            what="the artifact",
            on_demand=False,
            deadline=Deadline(60.0, clock.timing()),
            schedule=PollSchedule(jitter=0.0),
            outcome=Outcome(artifact_id="a"),
        )

    assert "done" == verdict.state
    statuses = [entry["gitops_status"] for entry in logs if entry["event"] == "gimlet_ci.deploy_status"]
    assert ["NotReconciled", "Progressing", "ReconciliationSucceeded"] == statuses
    assert ["new", "processed"] == [entry["status"] for entry in logs if entry["event"] == "gimlet_ci.event_status"]


def test_deadline_names_the_last_status_of_each_pending_deploy() -> None:
    """On timeout, the error shows the last gitops status of every deploy still pending."""
    clock = Clock()
    pending = TrackStatus(
        status="processed",
        results=(
            Result(
                app="shop", env="staging", hash="h" * 40, status="success", gitops_commit_status="DependencyNotReady"
            ),
        ),
    )
    with pytest.raises(DeadlineExceeded, match="shop -> staging: DependencyNotReady") as e:
        watch(
            lambda: pending,
            what="the artifact",
            on_demand=False,
            deadline=Deadline(20.0, clock.timing()),
            schedule=PollSchedule(jitter=0.0),
            outcome=Outcome(artifact_id="a"),
        )

    assert 3 == e.value.exit_code
    assert clock.now == pytest.approx(20.0)


def test_slow_requests_do_not_push_later_polls_back() -> None:
    """Polls keep to the schedule's points in time even when each request takes 0.1 s."""
    clock = Clock()
    polled: list[float] = []

    def fetch() -> TrackStatus:
        polled.append(round(clock.now, 3))
        clock.now += 0.1
        return TrackStatus(status="new" if len(polled) < 6 else "processed")

    watch(
        fetch,
        what="the artifact",
        on_demand=False,
        deadline=Deadline(60.0, clock.timing()),
        schedule=PollSchedule(fast=0.25, fast_for=1.0, steady=1.0, jitter=0.0),
        outcome=Outcome(artifact_id="a"),
    )

    assert [0.0, 0.25, 0.5, 0.75, 1.0, 2.0] == polled


def test_a_server_error_while_tracking_carries_the_outcome_so_far() -> None:
    """The error raised after the retries carries the ids known (status error); the client's own error is its cause."""
    settings = Settings(server="https://gimlet.example.com", token="tok")
    transport = httpx.MockTransport(lambda _: httpx.Response(500, content=b"boom\n"))
    retry = RetryPolicy(base=0.0, factor=1.0, cap=0.0, attempts=2)
    with (
        pytest.raises(GimletAPIError, match="Gimlet answered 500") as e,
        connect(settings, retry=retry, transport=transport) as client,
    ):
        track(client, release_id="rel-1", wait=False)

    expected = Outcome(release_id="rel-1", status="error", message=e.value.message)
    assert expected == e.value.outcome
    assert isinstance(e.value.__cause__, GimletAPIError)
    assert e.value.__cause__.outcome is None


def test_a_cancel_during_the_release_request_resumes_with_a_look_first() -> None:
    """SIGTERM while the release request is out: Gimlet may have queued it, so the resume line's `deploy` is only to
    be run when `gimlet-ci releases` lists no release of the artifact (a bare `deploy` could release twice)."""
    from gimlet_ci._flows import release  # noqa: PLC0415
    from gimlet_ci.exceptions import Cancelled  # noqa: PLC0415

    class Client:
        def make_release(self, request: object) -> object:
            del request
            raise Cancelled("SIGTERM", exit_code=143)

    with pytest.raises(Cancelled) as caught:
        release(Client(), artifact_id="acme/shop-1", env="production", app="shop", wait=False)  # type: ignore[arg-type]
    assert caught.value.outcome is not None
    assert ("acme/shop-1", None, "cancelled") == (
        caught.value.outcome.artifact_id,
        caught.value.outcome.release_id,
        caught.value.outcome.status,
    )
    assert (
        "gimlet-ci deploy --artifact acme/shop-1 --env production --app shop"
        "  # only if `gimlet-ci releases --env production --app shop` lists no release of it:"
        " the request was on its way when the run was cancelled"
    ) == caught.value.resume

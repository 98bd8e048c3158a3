"""The push channel's bookkeeping: which messages concern a wait, and what each one means (no sockets here)."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from structlog.testing import capture_logs

from gimlet_ci._flows import watch
from gimlet_ci._models import Outcome, Result, TrackStatus
from gimlet_ci._push import Interest, Processed, Progress, PushPolicy, Wake, split_frame
from gimlet_ci._retry import Deadline, PollSchedule, Timing

SHA = "9f1c2e0d" * 5
CREATED = 1_700_000_000


def _commit_event(
    event_id: str = "ev-1",
    *,
    kind: str = "artifact",
    status: str = "processed",
    sha: str = SHA,
    created: int = CREATED,
    results: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    event: dict[str, Any] = {"id": event_id, "created": created, "type": kind, "sha": sha, "status": status}
    event["statusDesc"] = ""
    if results:
        event["results"] = results
    return {"commitEvent": event, "event": "commitEvent"}


def _gitops(sha: str, status: str, desc: str = "") -> dict[str, Any]:
    return {
        "gitopsCommit": {"sha": sha, "status": status, "statusDesc": desc, "env": "staging"},
        "event": "gitopsCommit",
    }


def _ref(ref: str, app: str = "shop", **extra: Any) -> dict[str, Any]:
    return {"app": app, "env": "staging", "status": "success", "statusDesc": "", "gitopsRef": ref, **extra}


def _artifact_interest() -> Interest:
    interest = Interest()
    interest.follow_artifact(SHA, CREATED)
    return interest


def test_frames_are_split_on_newlines_and_garbage_lines_skipped() -> None:
    """Gimlet packs queued messages into one frame, one per line; a line that is not a JSON object is ignored."""
    text = '{"event":"a"}\n\nnot json\n[1]\n{"event":"b"}'
    assert [{"event": "a"}, {"event": "b"}] == list(split_frame(text))


def test_unrelated_traffic_means_nothing() -> None:
    """Other commits' events, other gitops commits and other message kinds never wake the wait."""
    interest = _artifact_interest()
    interest.learn(TrackStatus(status="processed", results=(Result(app="shop", env="staging", hash="a" * 40),)))
    messages = [
        _commit_event(sha="1" * 40),
        _commit_event(kind="release", sha="1" * 40, results=[_ref("c" * 40)]),
        _gitops("c" * 40, "ReconciliationSucceeded"),
        {"event": "podLogs", "message": "hello"},
        {"event": "agentConnected", "agent": {}},
        {"no": "event"},
    ]
    assert [] == [note for m in messages for note in interest.feed(m)]


def test_gitops_commit_before_the_commit_event_that_names_it() -> None:
    """A final gitopsCommit that arrives before the commitEvent naming its sha wakes the wait once it is named."""
    interest = _artifact_interest()
    assert [] == interest.feed(_gitops("a" * 40, "NotReconciled"))
    assert [] == interest.feed(_gitops("a" * 40, "ReconciliationSucceeded", "done"))

    notes = interest.feed(_commit_event(results=[_ref("a" * 40)]))

    assert [Wake(f"gitops commit {'a' * 8} is ReconciliationSucceeded"), Processed("processed")] == notes


def test_a_read_that_names_a_commit_already_final_wakes_too() -> None:
    """When a tracking read is the first to name a gitops sha whose final status came earlier, the wait reads again."""
    interest = Interest()
    interest.follow_event("rel-1")
    interest.feed(_gitops("a" * 40, "ReconciliationFailed", "kustomize build failed"))

    notes = interest.learn(TrackStatus(status="processed", results=(Result(app="shop", env="staging", hash="a" * 40),)))

    assert [Wake(f"gitops commit {'a' * 8} is ReconciliationFailed")] == notes
    assert [] == interest.learn(TrackStatus(status="processed", results=(Result(hash="a" * 40),)))


def test_progressing_is_progress_and_a_final_status_wakes_once() -> None:
    """Progressing is shown from the message itself; a final status wakes the wait, and a repeat of it does not."""
    interest = _artifact_interest()
    interest.feed(_commit_event(results=[_ref("a" * 40)]))

    progress = interest.feed(_gitops("a" * 40, "Progressing", "Reconciliation in progress"))
    final = interest.feed(_gitops("a" * 40, "HealthCheckFailed", "timeout"))
    again = interest.feed(_gitops("a" * 40, "HealthCheckFailed", "timeout"))

    assert [Progress("shop", "staging", "a" * 40, "Progressing", "Reconciliation in progress")] == progress
    assert [Wake(f"gitops commit {'a' * 8} is HealthCheckFailed")] == final
    assert [] == again


@pytest.mark.parametrize(
    ("message", "wakes"),
    [
        pytest.param(_commit_event(status="new"), False, id="artifact-created"),
        pytest.param(_commit_event(results=[_ref("a" * 40)]), False, id="processed-with-commits"),
        pytest.param(_commit_event(), True, id="processed-no-result"),
        pytest.param(_commit_event(status="error"), True, id="error"),
        pytest.param(
            _commit_event(results=[{"app": "shop", "env": "qa", "status": "failure", "statusDesc": "x"}]),
            True,
            id="failed-result",
        ),
        pytest.param(
            _commit_event(
                results=[{"app": "web", "env": "staging", "status": "success", "triggeredImageBuildId": "b"}]
            ),
            True,
            id="image-build-started",
        ),
        pytest.param(_commit_event("b", kind="imageBuild", status="new"), False, id="build-created"),
        pytest.param(_commit_event("b", kind="imageBuild", status="success"), True, id="build-succeeded"),
        pytest.param(_commit_event("b", kind="imageBuild", status="error"), True, id="build-failed"),
    ],
)
def test_which_commit_events_can_change_the_verdict(message: dict[str, Any], wakes: bool) -> None:
    """Only a commitEvent that can change the verdict wakes the wait; a processed one with pending commits does not."""
    notes = _artifact_interest().feed(message)
    assert wakes == any(isinstance(n, Wake) for n in notes)


def test_partial_release_results_wake_only_when_one_failed() -> None:
    """A release still `new` with partial results wakes the wait when one failed; otherwise its refs are learnt."""
    interest = Interest()
    interest.follow_event("rel-1")

    assert [] == interest.feed(_commit_event("rel-1", kind="release", status="new", results=[_ref("a" * 40)]))
    failed = [{"app": "api", "env": "staging", "status": "failure", "statusDesc": "push failed"}]
    assert [Wake("a result failed")] == interest.feed(
        _commit_event("rel-1", kind="release", status="new", results=failed)
    )
    assert "a" * 40 in interest.gitops


def test_an_older_artifact_of_the_same_commit_is_not_ours() -> None:
    """An artifact event of our sha created before our artifact (minus the slack) belongs to an earlier run."""
    interest = _artifact_interest()
    assert [] == interest.feed(_commit_event(status="error", created=CREATED - 10))
    assert interest.feed(_commit_event(status="error", created=CREATED - 1))


def test_two_artifacts_of_one_sha_are_told_apart_once_a_read_names_our_commits() -> None:
    """Until a read names our gitops commits both artifacts count; then only the one whose refs are ours does."""
    interest = _artifact_interest()
    interest.feed(_commit_event("ours", results=[_ref("a" * 40)]))
    interest.feed(_commit_event("theirs", results=[_ref("b" * 40)]))
    interest.learn(TrackStatus(status="processed", results=(Result(app="shop", env="staging", hash="a" * 40),)))

    assert [] == interest.feed(_commit_event("theirs", status="error"))
    assert [Wake("artifact error")] == interest.feed(_commit_event("ours", status="error"))


# -- the wait, with a fake channel and a fake clock -------------------------------------------------------------------


class FakeChannel:
    """A channel whose messages are scripted by time; `wait` moves the fake clock."""

    def __init__(self, clock: list[float], script: list[tuple[float, dict[str, Any] | str]], safety: float) -> None:
        self.clock = clock
        self.script = sorted(script, key=lambda item: item[0])
        self.policy = PushPolicy(safety=safety)
        self.interest = Interest()
        self.state = "open"
        self.waits: list[float] = []

    @property
    def healthy(self) -> bool:
        return self.state == "open"

    @property
    def listening(self) -> bool:
        return self.state == "open"

    def wait(self, seconds: float) -> list[Any]:
        self.waits.append(round(seconds, 3))
        end = self.clock[0] + seconds
        while self.script and self.script[0][0] <= end:
            at, message = self.script.pop(0)
            self.clock[0] = max(self.clock[0], at)
            if message == "drop":
                self.state = "down"
                return [Wake("fallback")]
            assert isinstance(message, dict)
            notes = self.interest.feed(message)
            if notes:
                return notes
        self.clock[0] = end
        return []


def _timing(clock: list[float]) -> Timing:
    def sleep(seconds: float) -> None:
        clock[0] += seconds

    return Timing(clock=lambda: clock[0], sleep=sleep, wall=lambda: clock[0])


def _answers(clock: list[float], done_at: float) -> Any:
    reads: list[float] = []

    def fetch() -> TrackStatus:
        reads.append(round(clock[0], 3))
        gitops = "ReconciliationSucceeded" if clock[0] >= done_at else "Progressing"
        return TrackStatus(
            status="processed",
            results=(Result(app="shop", env="staging", hash="a" * 40, status="success", gitops_commit_status=gitops),),
        )

    return fetch, reads


def test_a_healthy_channel_slows_polls_to_the_safety_interval_and_wakes_at_the_end() -> None:
    """While the channel is healthy, reads come every safety interval and at the final status, not on the schedule."""
    clock = [0.0]
    channel = FakeChannel(
        clock,
        [(20.0, _gitops("a" * 40, "Progressing", "in progress")), (40.0, _gitops("a" * 40, "ReconciliationSucceeded"))],
        safety=15.0,
    )
    channel.interest.follow_event("rel-1")
    fetch, reads = _answers(clock, done_at=40.0)

    with capture_logs() as logs:
        verdict = watch(
            fetch,
            what="the release",
            on_demand=False,
            deadline=Deadline(600.0, _timing(clock)),
            schedule=PollSchedule(jitter=0.0),
            outcome=Outcome(release_id="rel-1"),
            channel=channel,  # type: ignore[arg-type]
        )

    assert "done" == verdict.state
    assert [0.0, 15.0, 30.0, 40.0] == reads
    statuses = [e["gitops_status"] for e in logs if e["event"] == "gimlet_ci.deploy_status"]
    assert ["Progressing", "ReconciliationSucceeded"] == statuses


def test_a_dropped_channel_falls_back_to_polling_at_once() -> None:
    """When the channel drops, the wait reads at once and then keeps to the poll schedule from that moment."""
    clock = [0.0]
    channel = FakeChannel(clock, [(7.0, "drop")], safety=15.0)
    fetch, reads = _answers(clock, done_at=30.0)

    verdict = watch(
        fetch,
        what="the release",
        on_demand=False,
        deadline=Deadline(600.0, _timing(clock)),
        schedule=PollSchedule(jitter=0.0),
        outcome=Outcome(release_id="rel-1"),
        channel=channel,  # type: ignore[arg-type]
    )

    assert "done" == verdict.state
    assert [0.0, 7.0] == reads[:2]
    gaps = [round(b - a, 3) for a, b in itertools.pairwise(reads[1:])]
    assert all(gap <= 4.8 for gap in gaps)
    assert reads[-1] - 30.0 < 4.8


def test_a_rollbacks_commits_get_their_app_and_env_from_the_read() -> None:
    """A rollback's commit event names no app or env; once a tracking read names them, progress shows them."""
    interest = Interest()
    interest.follow_event("rb-1")
    interest.feed(_commit_event("rb-1", kind="rollback", status="processed", results=[_ref("a" * 40, app="")]))
    interest.learn(TrackStatus(status="processed", results=(Result(app="shop", env="staging", hash="a" * 40),)))

    notes = interest.feed(_gitops("a" * 40, "Progressing", "Reconciliation in progress"))

    assert [
        Progress(
            app="shop", env="staging", sha="a" * 40, status="Progressing", description="Reconciliation in progress"
        )
    ] == notes

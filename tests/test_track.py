"""Verdicts on tracking answers: Gimlet's CLI rules, sharpened."""

from __future__ import annotations

import pytest

from gimlet_ci._models import Result, TrackStatus
from gimlet_ci._track import judge
from gimlet_ci.exceptions import BadResponse

H = "a" * 40


def status(state: str, *results: Result, kind: str = "", desc: str = "") -> TrackStatus:
    return TrackStatus(type=kind, status=state, status_desc=desc, results=results)


def ok(gitops: str = "ReconciliationSucceeded", **kw: str) -> Result:
    return Result(
        app=kw.get("app", "shop"),
        env="staging",
        hash=kw.get("hash", H),
        status="success",
        gitops_commit_status=gitops,
    )


@pytest.mark.parametrize(
    ("answer", "on_demand", "state", "message"),
    [
        pytest.param(status("new"), False, "pending", None, id="new"),
        pytest.param(
            status("error", desc="cannot load vars x"),
            False,
            "failed",
            "cannot load vars x",
            id="error",
        ),
        pytest.param(status("processed"), False, "done", "no deploy policy fired", id="no-policy"),
        pytest.param(
            status("processed"),
            True,
            "failed",
            "the release matched no manifest",
            id="on-demand-no-match",
        ),
        pytest.param(status("processed", ok()), False, "done", None, id="reconciled"),
        pytest.param(status("processed", ok("Progressing")), False, "pending", None, id="progressing"),
        pytest.param(
            status("processed", ok(), ok("NotReconciled", app="b")),
            False,
            "pending",
            None,
            id="one-left",
        ),
        pytest.param(
            status("processed", ok("HealthCheckFailed")),
            False,
            "failed",
            "shop -> staging",
            id="health",
        ),
        pytest.param(
            status("processed", ok("DependencyNotReady")),
            False,
            "pending",
            None,
            id="other-flux-reason",
        ),
        pytest.param(
            status(
                "processed",
                Result(app="shop", env="staging", status="failure", status_desc="push failed"),
            ),
            False,
            "failed",
            "push failed",
            id="result-failure",
        ),
        pytest.param(status("processed", ok("", hash="")), False, "done", None, id="no-op-automated"),
        pytest.param(
            status("processed", ok("", hash="")),
            True,
            "failed",
            "no gitops commit",
            id="no-op-on-demand",
        ),
        pytest.param(
            status("new", kind="imageBuild"),
            True,
            "pending",
            "image build in progress",
            id="image-build",
        ),
        pytest.param(
            status("error", kind="imageBuild", desc="image build failed"),
            True,
            "failed",
            "image build failed",
            id="image-error",
        ),
    ],
)
def test_verdicts(answer: TrackStatus, on_demand: bool, state: str, message: str | None) -> None:
    """Each tracking answer maps to pending, done or failed, with a message naming what happened."""
    verdict = judge(answer, on_demand=on_demand)

    assert state == verdict.state
    if message is None:
        assert verdict.message is None or state != "failed"
    else:
        assert verdict.message is not None
        assert message in verdict.message


def test_image_build_success_is_followed() -> None:
    """A finished image build names the release to track next."""
    deploy = "6f1d8a52-9b7e-4c3a-8e2d-0c4b5a6d7e8f"
    answer = status("success", Result(triggered_deploy_request_id=deploy), kind="imageBuild")

    assert deploy == judge(answer, on_demand=True).follow


def test_a_followed_id_that_gimlet_does_not_make_is_exit_4() -> None:
    """An image build that names a deploy id that is no uuid (here a workflow command) is a bad answer (exit 4)."""
    answer = status("success", Result(triggered_deploy_request_id="x\n::add-mask::y"), kind="imageBuild")

    with pytest.raises(BadResponse, match="an id that Gimlet does not make: 'x\\\\n::add-mask::y'") as e:
        judge(answer, on_demand=True)

    assert 4 == e.value.exit_code


def test_no_op_result_is_reported_as_no_change() -> None:
    """A success result without a hash is done as "no gitops change" instead of spinning until the timeout."""
    [deploy] = judge(status("processed", ok("", hash="")), on_demand=False).deploys

    assert ("no-change", "no gitops change") == (deploy.status, deploy.message)


def test_a_rollback_is_judged_like_an_automated_deploy() -> None:
    """`track --release` on a rollback id: no result and no-op results are done, not an unmatched release."""
    assert "done" == judge(status("processed", kind="rollback"), on_demand=True).state
    assert "done" == judge(status("processed", ok("", hash=""), kind="rollback"), on_demand=True).state


def test_on_demand_no_op_is_flagged_for_the_exit_code() -> None:
    """An on-demand release that made no gitops commit is flagged (exit 1 as "matched nothing"), not a crash."""
    verdict = judge(status("processed", ok("", hash="")), on_demand=True)

    assert (True, "no-change") == (verdict.no_commit, verdict.deploys[0].status)

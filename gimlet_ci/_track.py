"""Verdicts on Gimlet's tracking answers: pending, done or failed, with what to report for each deploy.

Gimlet's CLI rules (poll ``new``; ``error`` fails; any ``failure`` result or ``*Failed`` gitops status fails; done
when every result reached ``ReconciliationSucceeded``), made sharper on the same answers: a failed image build
fails, and an on-demand release that matched no manifest or made no gitops commit fails. In artifact tracking a
``success`` result with no gitops hash is an in-cluster image build; `gimlet_ci._follow` replaces it with what the
build and its deploy show before a verdict is made, so it is never "done".
"""

from __future__ import annotations

from typing import Literal

import attrs

from gimlet_ci._ids import require_event_id
from gimlet_ci._models import DeployOutcome, Result, TrackStatus

SUCCEEDED = "ReconciliationSucceeded"
FAILED_GITOPS = frozenset({"ReconciliationFailed", "ValidationFailed", "HealthCheckFailed"})

State = Literal["pending", "done", "failed"]


@attrs.frozen(kw_only=True)
class Verdict:
    state: State
    deploys: tuple[DeployOutcome, ...] = ()
    message: str | None = None
    follow: str | None = None
    """An image build finished: track this release id next."""
    no_match: bool = False
    """Processed with no result at all."""
    no_commit: bool = False
    """An on-demand release whose result made no gitops commit."""


def _outcome(result: Result) -> DeployOutcome:
    gitops = result.gitops_commit_status or None
    common = {
        "app": result.app or None,
        "env": result.env or None,
        "gitops_hash": result.hash or None,
    }
    if result.status == "failure":
        return DeployOutcome(
            **common,
            status="failed",
            gitops_status=gitops,
            message=result.status_desc or "deploy failed",
        )
    if gitops and (gitops in FAILED_GITOPS or "Failed" in gitops):
        return DeployOutcome(
            **common,
            status="failed",
            gitops_status=gitops,
            message=result.gitops_commit_status_desc or result.status_desc or gitops,
        )
    if result.status == "pending":
        # An in-cluster image build, or the deploy it triggered, still on its way (gimlet_ci._follow).
        return DeployOutcome(**common, status="pending", message=result.status_desc or "pending")
    if not result.hash:
        if result.triggered_deploy_request_id:
            return DeployOutcome(
                **common,
                status="image-build",
                message=f"image build triggered; deploy {result.triggered_deploy_request_id}",
            )
        return DeployOutcome(**common, status="no-change", message="no gitops change")
    if gitops == SUCCEEDED:
        return DeployOutcome(
            **common,
            status="succeeded",
            gitops_status=gitops,
            message=result.gitops_commit_status_desc or None,
        )
    return DeployOutcome(
        **common,
        status="pending",
        gitops_status=gitops,
        message=result.gitops_commit_status_desc or None,
    )


def judge(status: TrackStatus, *, on_demand: bool) -> Verdict:
    """What *status* means for the run; *on_demand* for releases the pipeline asked for."""
    if status.type == "imageBuild":
        if status.status == "error":
            return Verdict(state="failed", message=status.status_desc or "image build failed")
        if status.status == "success":
            follow = next(
                (r.triggered_deploy_request_id for r in status.results if r.triggered_deploy_request_id),
                None,
            )
            if follow:
                follow = require_event_id(follow, what="the deploy an image build triggered")
                return Verdict(state="pending", follow=follow, message="image build succeeded")
            return Verdict(state="failed", message="image build succeeded but Gimlet named no deploy to follow")
        return Verdict(state="pending", message="image build in progress")
    on_demand = on_demand and status.type != "rollback"  # a rollback is judged like an automated deploy
    deploys = tuple(_outcome(r) for r in status.results)
    if status.status == "error":
        return Verdict(state="failed", deploys=deploys, message=status.status_desc or "processing failed")
    failed = [d for d in deploys if d.status == "failed"]
    if failed:
        return Verdict(state="failed", deploys=deploys, message=describe(failed[0]))
    if status.status == "new":
        return Verdict(state="pending", deploys=deploys)
    unchanged = [d for d in deploys if d.status == "no-change"]
    if on_demand and unchanged:
        return Verdict(
            state="failed",
            deploys=deploys,
            no_commit=True,
            message=f"{describe(unchanged[0])}: the release generated no gitops commit (is it deployed already?)",
        )
    if not deploys:
        if on_demand:
            return Verdict(
                state="failed",
                no_match=True,
                message="the release matched no manifest: no app of that env (and app) in the artifact",
            )
        return Verdict(state="done", no_match=True, message="no deploy policy fired")
    if all(d.status != "pending" for d in deploys):
        return Verdict(state="done", deploys=deploys)
    return Verdict(state="pending", deploys=deploys)


def describe(deploy: DeployOutcome) -> str:
    """One line for a deploy, as shown on stderr and in errors."""
    parts = [f"{deploy.app or '?'} -> {deploy.env or '?'}"]
    if deploy.gitops_hash:
        parts.append(f"gitops {deploy.gitops_hash[:8]}")
    if deploy.gitops_status:
        parts.append(deploy.gitops_status)
    return f"{', '.join(parts)}: {deploy.message or 'failed'}"

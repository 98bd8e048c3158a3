"""Drone CI.

Variables: https://docs.drone.io/pipeline/environment/reference/

Checked against Drone 2.x (the last open-source line). ``DRONE_COMMIT_BRANCH`` is the **target** on
pull requests (the head is ``DRONE_SOURCE_BRANCH``), and the commit message of a PR build is the PR
title, so no commit metadata is taken from PR builds. Woodpecker steps carry ``DRONE_*`` copies too:
Woodpecker is detected first.
"""

from __future__ import annotations

from collections.abc import Mapping

from gimlet_ci.adapters._common import (
    SET_SECRETS_TIP,
    branch_from_ref,
    commit_or_none,
    commit_url,
    finish,
    get,
    is_true,
    link_base,
    no_annotations,
    no_inputs,
    no_outputs,
    no_startup_lines,
    pr_url,
    pull_ref_number,
    tag_from_ref,
    to_int,
)
from gimlet_ci.adapters._context import CIContext, CommitInfo, Event, ReadFile

NAME = "drone"
MISSING_SECRETS_TIP = SET_SECRETS_TIP


def detect(env: Mapping[str, str]) -> bool:
    """``DRONE=true`` (Woodpecker stopped setting it in 0.15)."""
    return is_true(env, "DRONE")


def context(env: Mapping[str, str], read_file: ReadFile) -> CIContext:  # noqa: ARG001
    """The context of a Drone step; the rules and traps are in ``docs/explanation/platforms.md#other``."""
    sha = get(env, "DRONE_COMMIT_SHA", "DRONE_COMMIT")
    event_name = get(env, "DRONE_BUILD_EVENT")
    ref = get(env, "DRONE_COMMIT_REF")
    tag = get(env, "DRONE_TAG") or tag_from_ref(ref)
    base = link_base(env, "DRONE_REPO_LINK")

    event: Event = "push"
    branch = target_branch = None
    pr_number: int | None = None
    url = get(env, "DRONE_COMMIT_LINK")
    if event_name == "pull_request":
        event = "pr"
        branch = get(env, "DRONE_SOURCE_BRANCH")
        target_branch = get(env, "DRONE_TARGET_BRANCH", "DRONE_COMMIT_BRANCH")
        pr_number = to_int(get(env, "DRONE_PULL_REQUEST")) or pull_ref_number(ref)
        url = url or pr_url(base, pr_number)
    elif event_name == "tag" or tag:
        event = "tag"
    else:
        branch = branch_from_ref(get(env, "DRONE_COMMIT_BRANCH", "DRONE_BRANCH")) or branch_from_ref(ref)
    if event != "tag":
        tag = None
    url = url or commit_url(base, sha)

    commit = None
    if event != "pr":
        commit = commit_or_none(
            CommitInfo(
                message=get(env, "DRONE_COMMIT_MESSAGE"),
                author_name=get(env, "DRONE_COMMIT_AUTHOR_NAME"),
                author_email=get(env, "DRONE_COMMIT_AUTHOR_EMAIL"),
            ),
        )

    ctx = CIContext(
        platform=NAME,
        repository=get(env, "DRONE_REPO"),
        owner=get(env, "DRONE_REPO_OWNER", "DRONE_REPO_NAMESPACE"),
        sha=sha,
        branch=branch,
        event=event,
        event_name=event_name,
        tag=tag,
        target_branch=target_branch,
        pr_number=pr_number,
        url=url,
        ci_url=get(env, "DRONE_BUILD_LINK"),
        actor=get(env, "DRONE_COMMIT_AUTHOR"),
        job=get(env, "DRONE_STEP_NAME"),
        commit=commit,
    )
    return finish(ctx, env, contains="DRONE_", job_var=get(env, "DRONE_BUILD_NUMBER"))


# No Drone plugin is published: settings come from GIMLET_*, which the core reads.
inputs = no_inputs
outputs = no_outputs
startup_lines = no_startup_lines
annotate = no_annotations

"""Buildkite.

Variables: https://buildkite.com/docs/pipelines/configure/environment-variables

Checked against Buildkite agent 3.x (2025). ``BUILDKITE_PULL_REQUEST`` is the string ``false``
outside PR builds; ``BUILDKITE_COMMIT`` can be the literal ``HEAD`` on manual builds (then ``sha``
is left to git); ``BUILDKITE_BRANCH`` holds the tag name on tag builds; the repository slug comes
from ``BUILDKITE_REPO`` (the git URL), never from ``BUILDKITE_PIPELINE_SLUG``. ``event_name`` is
``BUILDKITE_SOURCE`` (``webhook``, ``ui``, ``api``, ``trigger_job``, ``schedule``); commit metadata
is taken from webhook builds only (elsewhere the message is typed by a person).
"""

from __future__ import annotations

from collections.abc import Mapping

from gimlet_ci.adapters._common import (
    SET_SECRETS_TIP,
    commit_or_none,
    commit_url,
    finish,
    get,
    git_remote,
    is_true,
    no_annotations,
    no_inputs,
    no_outputs,
    no_startup_lines,
    pr_url,
    to_int,
)
from gimlet_ci.adapters._context import CIContext, CommitInfo, Event, ReadFile

NAME = "buildkite"
MISSING_SECRETS_TIP = SET_SECRETS_TIP


def detect(env: Mapping[str, str]) -> bool:
    """``BUILDKITE=true``."""
    return is_true(env, "BUILDKITE")


def context(env: Mapping[str, str], read_file: ReadFile) -> CIContext:  # noqa: ARG001
    """The context of a Buildkite job; the rules and traps are in ``docs/explanation/platforms.md#other``."""
    remote = git_remote(get(env, "BUILDKITE_REPO"))
    repository = remote[1] if remote else None
    base = f"https://{remote[0]}/{remote[1]}" if remote else None
    commit_value = get(env, "BUILDKITE_COMMIT")
    sha = None if commit_value is None or commit_value.strip().upper() == "HEAD" else commit_value
    tag = get(env, "BUILDKITE_TAG")
    pull = get(env, "BUILDKITE_PULL_REQUEST")
    pr_number = to_int(pull)
    event: Event = "tag" if tag else ("pr" if pr_number else "push")
    branch = None if event == "tag" else get(env, "BUILDKITE_BRANCH")
    source = get(env, "BUILDKITE_SOURCE")
    url = pr_url(base, pr_number) if event == "pr" else commit_url(base, sha)

    commit = None
    if source in {None, "webhook"}:
        commit = commit_or_none(
            CommitInfo(
                message=get(env, "BUILDKITE_MESSAGE"),
                author_name=get(env, "BUILDKITE_BUILD_AUTHOR"),
                author_email=get(env, "BUILDKITE_BUILD_AUTHOR_EMAIL"),
            ),
        )
    job = get(env, "BUILDKITE_LABEL")

    ctx = CIContext(
        platform=NAME,
        repository=repository,
        sha=sha,
        branch=branch,
        event=event,
        event_name=source,
        tag=tag,
        target_branch=get(env, "BUILDKITE_PULL_REQUEST_BASE_BRANCH") if event == "pr" else None,
        pr_number=pr_number if event == "pr" else None,
        url=url,
        ci_url=get(env, "BUILDKITE_BUILD_URL"),
        actor=get(env, "BUILDKITE_BUILD_CREATOR"),
        job=job,
        commit=commit,
    )
    return finish(ctx, env, contains="BUILDKITE", job_var=job)


# No Buildkite plugin is published: settings come from GIMLET_*, which the core reads.
inputs = no_inputs
outputs = no_outputs
startup_lines = no_startup_lines
annotate = no_annotations

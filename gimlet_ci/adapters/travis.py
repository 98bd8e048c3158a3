"""Travis CI.

Variables: https://docs.travis-ci.com/user/environment-variables/#default-environment-variables

Checked against travis-ci.com (2025). ``TRAVIS_COMMIT`` is the merge commit on PRs (the head is
``TRAVIS_PULL_REQUEST_SHA``), ``TRAVIS_BRANCH`` is the **target** on PRs and the tag name on tag
builds, ``TRAVIS_PULL_REQUEST`` is the string ``false`` or the number. Travis names no forge host,
so ``url`` stays ``None`` rather than assuming github.com; there is no actor variable.
"""

from __future__ import annotations

from collections.abc import Mapping

from gimlet_ci.adapters._common import (
    SET_SECRETS_TIP,
    commit_or_none,
    finish,
    get,
    is_true,
    no_annotations,
    no_inputs,
    no_outputs,
    no_startup_lines,
    to_int,
)
from gimlet_ci.adapters._context import CIContext, CommitInfo, Event, ReadFile

NAME = "travis"
MISSING_SECRETS_TIP = SET_SECRETS_TIP


def detect(env: Mapping[str, str]) -> bool:
    """``TRAVIS=true``."""
    return is_true(env, "TRAVIS")


def context(env: Mapping[str, str], read_file: ReadFile) -> CIContext:  # noqa: ARG001
    """The context of a Travis CI job; the rules and traps are in ``docs/explanation/platforms.md#other``."""
    event_name = get(env, "TRAVIS_EVENT_TYPE")
    tag = get(env, "TRAVIS_TAG")
    pr_number = to_int(get(env, "TRAVIS_PULL_REQUEST"))
    event: Event = "tag" if tag else ("pr" if pr_number or event_name == "pull_request" else "push")
    sha = get(env, "TRAVIS_COMMIT")
    branch = target_branch = None
    if event == "pr":
        sha = get(env, "TRAVIS_PULL_REQUEST_SHA") or sha
        branch = get(env, "TRAVIS_PULL_REQUEST_BRANCH")
        target_branch = get(env, "TRAVIS_BRANCH")
    elif event == "push":
        branch = get(env, "TRAVIS_BRANCH")
    commit = None
    if event != "pr":
        commit = commit_or_none(CommitInfo(message=get(env, "TRAVIS_COMMIT_MESSAGE")))

    ctx = CIContext(
        platform=NAME,
        repository=get(env, "TRAVIS_REPO_SLUG"),
        sha=sha,
        branch=branch,
        event=event,
        event_name=event_name,
        tag=tag,
        target_branch=target_branch,
        pr_number=pr_number if event == "pr" else None,
        ci_url=get(env, "TRAVIS_BUILD_WEB_URL", "TRAVIS_JOB_WEB_URL"),
        job=get(env, "TRAVIS_JOB_NAME"),
        commit=commit,
    )
    return finish(ctx, env, contains="TRAVIS", job_var=get(env, "TRAVIS_JOB_NUMBER"))


# No input naming of its own: settings come from GIMLET_*, which the core reads.
inputs = no_inputs
outputs = no_outputs
startup_lines = no_startup_lines
annotate = no_annotations

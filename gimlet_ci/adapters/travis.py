"""Travis CI.

Variables: https://docs.travis-ci.com/user/environment-variables/#default-environment-variables

Checked against travis-ci.com (2025). ``TRAVIS_COMMIT`` is the merge commit on PRs (the head is
``TRAVIS_PULL_REQUEST_SHA``), ``TRAVIS_BRANCH`` is the **target** on PRs and the tag name on tag
builds, ``TRAVIS_PULL_REQUEST`` is the string ``false`` or the number. Travis names no forge host,
so ``url`` stays ``None`` rather than assuming github.com; there is no actor variable.
"""

from __future__ import annotations

from gimlet_ci.adapters._common import commit_or_none, finish, get, is_true, to_int
from gimlet_ci.adapters._context import CIContext, CommitInfo, Event, InputValue, ReadFile

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping

NAME = "travis"


def detect(env: Mapping[str, str]) -> bool:
    """``TRAVIS=true``."""
    return is_true(env, "TRAVIS")


def context(env: Mapping[str, str], read_file: ReadFile) -> CIContext:  # noqa: ARG001
    """The context of a Travis CI job; see ``ci-platforms.md`` §6."""
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


def inputs(env: Mapping[str, str]) -> dict[str, InputValue]:  # noqa: ARG001
    """No input naming of its own: settings come from ``GIMLET_*``, which the core reads."""
    return {}

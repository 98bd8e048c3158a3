"""Jenkins (Git plugin, multibranch / GitHub Branch Source, GitHub Pull Request Builder).

Variables: https://www.jenkins.io/doc/book/pipeline/jenkinsfile/#using-environment-variables (and
``$JENKINS_URL/env-vars.html``),
https://plugins.jenkins.io/git/#plugin-content-environment-variables,
https://plugins.jenkins.io/ghprb/.

Checked against Jenkins 2.4xx LTS with Git plugin 5.x, Branch API 2.x and ghprb 1.42. Everything
depends on the installed plugins: ``GIT_BRANCH`` carries ``origin/``; multibranch PR jobs have
``BRANCH_NAME=PR-<n>`` with the head in ``CHANGE_BRANCH``; their ``GIT_COMMIT`` may be a merge with
the target (the head SHA is not exposed), while ghprb gives ``ghprbActualCommit``.
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
    git_remote,
    no_annotations,
    no_inputs,
    no_outputs,
    no_startup_lines,
    tag_from_ref,
    to_int,
)
from gimlet_ci.adapters._context import CIContext, CommitInfo, Event, ReadFile

NAME = "jenkins"
MISSING_SECRETS_TIP = SET_SECRETS_TIP

_VAR_PARTS = ("JENKINS_", "BUILD_", "JOB_", "GIT_", "CHANGE_")


def detect(env: Mapping[str, str]) -> bool:
    """``JENKINS_URL`` is present."""
    return get(env, "JENKINS_URL") is not None


def _strip_remote(branch: str | None) -> str | None:
    if branch is None:
        return None
    for prefix in ("refs/remotes/origin/", "remotes/origin/", "origin/"):
        if branch.startswith(prefix):
            return branch[len(prefix) :] or None
    return branch_from_ref(branch)


def context(env: Mapping[str, str], read_file: ReadFile) -> CIContext:  # noqa: ARG001
    """The context of a Jenkins build; the rules and traps are in ``docs/explanation/platforms.md#other``."""
    remote = git_remote(get(env, "GIT_URL", "GIT_URL_1"))
    repository = remote[1] if remote else get(env, "ghprbGhRepository")
    base = f"https://{remote[0]}/{remote[1]}" if remote else None
    pull = get(env, "CHANGE_ID", "ghprbPullId")
    pr_number = to_int(pull)
    tag = get(env, "TAG_NAME") or tag_from_ref(get(env, "GIT_BRANCH"))
    event: Event = "tag" if tag else ("pr" if pull else "push")
    sha = get(env, "ghprbActualCommit", "GIT_COMMIT")
    branch = target_branch = url = None
    commit = None
    if event == "pr":
        branch = get(env, "CHANGE_BRANCH", "ghprbSourceBranch")
        target_branch = get(env, "CHANGE_TARGET", "ghprbTargetBranch")
        url = get(env, "CHANGE_URL", "ghprbPullLink")
        commit = commit_or_none(
            CommitInfo(
                author_name=get(env, "ghprbActualCommitAuthor"),
                author_email=get(env, "ghprbActualCommitAuthorEmail"),
            ),
        )
    elif event == "push":
        branch = get(env, "BRANCH_NAME") or _strip_remote(get(env, "GIT_BRANCH"))
    url = url or commit_url(base, sha)
    job = get(env, "JOB_NAME")

    ctx = CIContext(
        platform=NAME,
        repository=repository,
        sha=sha,
        branch=branch,
        event=event,
        event_name=event,
        tag=tag,
        target_branch=target_branch,
        pr_number=pr_number if event == "pr" else None,
        url=url,
        ci_url=get(env, "BUILD_URL"),
        actor=get(env, "CHANGE_AUTHOR", "ghprbPullAuthorLogin", "BUILD_USER_ID"),
        job=job,
        commit=commit,
    )
    return finish(ctx, env, contains=_VAR_PARTS, job_var=job)


# No input naming of its own: settings come from GIMLET_*, which the core reads.
inputs = no_inputs
outputs = no_outputs
startup_lines = no_startup_lines
annotate = no_annotations

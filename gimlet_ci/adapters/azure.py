"""Azure Pipelines.

Variables: https://learn.microsoft.com/azure/devops/pipelines/build/variables (predefined variables;
names upper-cased with ``.`` → ``_`` in the environment).

Checked against Azure DevOps Services (2025) with GitHub and Azure Repos repositories.
``BUILD_SOURCEVERSION`` is the merge commit on PR builds (the head is
``SYSTEM_PULLREQUEST_SOURCECOMMITID``, GitHub PRs only); ``BUILD_SOURCEBRANCHNAME`` is only the last
path segment and is not used; the PR number is ``SYSTEM_PULLREQUEST_PULLREQUESTNUMBER`` (GitHub) or
``…PULLREQUESTID`` (Azure Repos). ``repository`` is ``BUILD_REPOSITORY_NAME``: ``owner/name`` for
GitHub, the bare repository name for Azure Repos (then ``owner`` is the team project).
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
    no_annotations,
    no_inputs,
    no_outputs,
    no_startup_lines,
    owner_of,
    pr_url,
    pull_ref_number,
    tag_from_ref,
    to_int,
    web_base,
)
from gimlet_ci.adapters._context import CIContext, CommitInfo, Event, ReadFile

NAME = "azure"
MISSING_SECRETS_TIP = SET_SECRETS_TIP


def detect(env: Mapping[str, str]) -> bool:
    """``TF_BUILD=True``."""
    return is_true(env, "TF_BUILD")


def context(env: Mapping[str, str], read_file: ReadFile) -> CIContext:  # noqa: ARG001
    """The context of an Azure Pipelines job; the rules and traps are in ``docs/explanation/platforms.md#other``."""
    repository = get(env, "BUILD_REPOSITORY_NAME")
    event_name = get(env, "BUILD_REASON")
    source_ref = get(env, "BUILD_SOURCEBRANCH")
    tag = tag_from_ref(source_ref)
    event: Event = "push"
    branch = target_branch = None
    pr_number: int | None = None
    sha = get(env, "BUILD_SOURCEVERSION")
    if event_name == "PullRequest":
        event = "pr"
        sha = get(env, "SYSTEM_PULLREQUEST_SOURCECOMMITID") or sha
        branch = branch_from_ref(get(env, "SYSTEM_PULLREQUEST_SOURCEBRANCH"))
        target_branch = branch_from_ref(get(env, "SYSTEM_PULLREQUEST_TARGETBRANCH"))
        pr_number = (
            to_int(get(env, "SYSTEM_PULLREQUEST_PULLREQUESTNUMBER"))
            or to_int(get(env, "SYSTEM_PULLREQUEST_PULLREQUESTID"))
            or pull_ref_number(source_ref)
        )
        tag = None
    elif tag:
        event = "tag"
    else:
        branch = branch_from_ref(source_ref)
    base = web_base(get(env, "BUILD_REPOSITORY_URI"))  # credentials (Azure Repos user@) dropped
    url = pr_url(base, pr_number) if event == "pr" and pr_number else commit_url(base, sha)
    collection = get(env, "SYSTEM_COLLECTIONURI")
    project = get(env, "SYSTEM_TEAMPROJECT")
    build_id = get(env, "BUILD_BUILDID")
    ci_url = None
    if collection and project and build_id:
        ci_url = (
            f"{collection.strip().rstrip('/')}/{_quote(project.strip())}"
            f"/_build/results?buildId={_quote(build_id.strip())}"
        )
    commit = None
    if event != "pr":  # on PR builds these describe the merge commit
        commit = commit_or_none(
            CommitInfo(
                message=get(env, "BUILD_SOURCEVERSIONMESSAGE"),
                author_name=get(env, "BUILD_SOURCEVERSIONAUTHOR"),
            ),
        )
    job = get(env, "SYSTEM_JOBDISPLAYNAME", "AGENT_JOBNAME")

    ctx = CIContext(
        platform=NAME,
        repository=repository,
        owner=owner_of(repository) or get(env, "SYSTEM_TEAMPROJECT"),
        sha=sha,
        branch=branch,
        event=event,
        event_name=event_name,
        tag=tag,
        target_branch=target_branch,
        pr_number=pr_number,
        url=url,
        ci_url=ci_url,
        actor=get(env, "BUILD_REQUESTEDFOR"),
        job=job,
        commit=commit,
    )
    return finish(ctx, env, contains=("SYSTEM_", "BUILD_"), job_var=job)


# No Azure task is published: settings come from GIMLET_*, which the core reads.
inputs = no_inputs
outputs = no_outputs
startup_lines = no_startup_lines
annotate = no_annotations


def _quote(text: str) -> str:
    from urllib.parse import quote  # noqa: PLC0415 - off the start-up path

    return quote(text)

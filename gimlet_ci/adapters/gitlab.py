"""GitLab CI/CD.

Variables: https://docs.gitlab.com/ci/variables/predefined_variables/ (and
``…/predefined_variables/#predefined- variables-for-merge-request-pipelines``,
``…/ci/ci_cd_for_external_repos/``).

Checked against GitLab 16.x to 17.x (gitlab.com and self-managed). MR pipelines exist only when the
job rules ask for them; in merged-results pipelines ``CI_COMMIT_SHA`` is the merge result and the
head is ``CI_MERGE_REQUEST_SOURCE_BRANCH_SHA`` (empty in plain MR pipelines);
``CI_MERGE_REQUEST_IID`` is the project-scoped number shown in the UI. The official plugin's bare
``WAIT``/``ENV``/``APP`` are not read: use ``GIMLET_*``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from gimlet_ci.adapters._common import (
    branch_from_ref,
    commit_or_none,
    declared_inputs,
    finish,
    get,
    is_true,
    link_base,
    no_annotations,
    no_startup_lines,
    non_empty,
    owner_of,
    parse_time,
    to_int,
)
from gimlet_ci.adapters._context import CIContext, CommitInfo, Event, InputValue, PlatformOutputs, ReadFile

TYPE_CHECKING = False
if TYPE_CHECKING:
    from gimlet_ci._models import Outcome

NAME = "gitlab"
MISSING_SECRETS_TIP = (
    "add GIMLET_SERVER and GIMLET_TOKEN as CI/CD variables; protected variables reach only protected branches and tags"
)

_AUTHOR = re.compile(r"^\s*(?P<name>.*?)\s*<(?P<email>[^<>]*)>\s*$")


def detect(env: Mapping[str, str]) -> bool:
    """``GITLAB_CI=true``."""
    return is_true(env, "GITLAB_CI")


def _author(value: str | None) -> tuple[str | None, str | None]:
    if value is None:
        return None, None
    match = _AUTHOR.match(value)
    if match is None:
        return non_empty(value.strip()), None
    return non_empty(match.group("name")), non_empty(match.group("email").strip())


def context(env: Mapping[str, str], read_file: ReadFile) -> CIContext:  # noqa: ARG001
    """The context of a GitLab CI job; the rules and traps are in ``docs/explanation/platforms.md#gitlab``."""
    repository = get(env, "CI_PROJECT_PATH")
    owner = get(env, "CI_PROJECT_NAMESPACE")
    event_name = get(env, "CI_PIPELINE_SOURCE")
    commit_sha = get(env, "CI_COMMIT_SHA")
    tag = get(env, "CI_COMMIT_TAG")
    project_url = link_base(env, "CI_PROJECT_URL")

    event: Event = "push"
    sha = commit_sha
    branch = target_branch = url = None
    pr_number: int | None = None
    merged_result = False
    if tag:
        event = "tag"
    elif event_name == "merge_request_event" or (event_name is None and get(env, "CI_MERGE_REQUEST_IID")):
        event = "pr"
        head = get(env, "CI_MERGE_REQUEST_SOURCE_BRANCH_SHA")
        merged_result = head is not None and head != commit_sha
        sha = head or commit_sha
        branch = get(env, "CI_MERGE_REQUEST_SOURCE_BRANCH_NAME") or branch_from_ref(get(env, "CI_COMMIT_REF_NAME"))
        target_branch = get(env, "CI_MERGE_REQUEST_TARGET_BRANCH_NAME")
        pr_number = to_int(get(env, "CI_MERGE_REQUEST_IID"))
        mr_project = link_base(env, "CI_MERGE_REQUEST_PROJECT_URL") or project_url
        mr_path = get(env, "CI_MERGE_REQUEST_PROJECT_PATH")
        if mr_path is not None and mr_path != repository:
            # A fork's MR pipeline runs in the fork; the MR and the Gimlet repository are the
            # target project's.
            repository, owner = mr_path, owner_of(mr_path)
        url = f"{mr_project}/-/merge_requests/{pr_number}" if mr_project and pr_number else None
    elif event_name == "external_pull_request_event":
        event = "pr"
        sha = get(env, "CI_EXTERNAL_PULL_REQUEST_SOURCE_BRANCH_SHA") or commit_sha
        branch = get(env, "CI_EXTERNAL_PULL_REQUEST_SOURCE_BRANCH_NAME") or branch_from_ref(
            get(env, "CI_COMMIT_REF_NAME"),
        )
        target_branch = get(env, "CI_EXTERNAL_PULL_REQUEST_TARGET_BRANCH_NAME")
        pr_number = to_int(get(env, "CI_EXTERNAL_PULL_REQUEST_IID"))
    else:
        branch = get(env, "CI_COMMIT_BRANCH") or branch_from_ref(get(env, "CI_COMMIT_REF_NAME"))
    if url is None and project_url and sha:
        url = f"{project_url}/-/commit/{sha}"

    commit = None
    if not merged_result:
        author_name, author_email = _author(get(env, "CI_COMMIT_AUTHOR"))
        commit = commit_or_none(
            CommitInfo(
                message=get(env, "CI_COMMIT_MESSAGE"),
                author_name=author_name,
                author_email=author_email,
                created=parse_time(get(env, "CI_COMMIT_TIMESTAMP")),
            ),
        )

    ctx = CIContext(
        platform=NAME,
        repository=repository,
        owner=owner,
        sha=sha,
        branch=branch,
        event=event,
        event_name=event_name,
        tag=tag,
        target_branch=target_branch,
        pr_number=pr_number,
        url=url,
        ci_url=get(env, "CI_PIPELINE_URL", "CI_JOB_URL"),
        actor=get(env, "GITLAB_USER_LOGIN"),
        job=get(env, "CI_JOB_NAME"),
        commit=commit,
    )
    return finish(ctx, env, contains="CI_", job_var=get(env, "CI_PIPELINE_ID"))


def inputs(env: Mapping[str, str]) -> dict[str, InputValue]:
    """The components' ``INPUT_ARTIFACT_ID`` and ``INPUT_RELEASE_ID`` (their ``artifact-id`` and ``release-id``
    inputs): a dotenv report's ``GIMLET_*`` outranks a job's own variables, so the ids a job is given explicitly
    come under names of their own. Every other setting comes from ``GIMLET_*`` (the official plugin's bare
    WAIT/ENV/APP are not read)."""
    return declared_inputs(env, NAME)


DOTENV = "GIMLET_DOTENV"
"""The file the job names under ``artifacts: reports: dotenv:``; GitLab has no variable of its own for it."""


def outputs(env: Mapping[str, str], outcome: Outcome) -> PlatformOutputs:
    """A dotenv report (``GIMLET_DOTENV``, e.g. ``gimlet.env``): ``GIMLET_ARTIFACT_ID``, ``GIMLET_RELEASE_ID``,
    ``GIMLET_URL`` and ``GIMLET_STATUS`` as ``KEY=VALUE`` lines, so that ``environment: url: $GIMLET_URL`` and later
    jobs (a ``deploy`` or ``track`` job reads ``GIMLET_ARTIFACT_ID`` / ``GIMLET_RELEASE_ID`` as its setting) see them.

    GitLab's dotenv reader takes a value to the end of its line and has no escapes: a value with a line break
    (never an id, a status or an https URL) is left out.
    """
    path = get(env, DOTENV)
    if path is None:
        return PlatformOutputs()
    values = (
        ("GIMLET_ARTIFACT_ID", outcome.artifact_id or ""),
        ("GIMLET_RELEASE_ID", outcome.release_id or ""),
        ("GIMLET_URL", outcome.url or ""),
        ("GIMLET_STATUS", outcome.status),
    )
    text = "".join(f"{name}={value}\n" for name, value in values if "\n" not in value and "\r" not in value)
    return PlatformOutputs(files=((path, text),))


startup_lines = no_startup_lines
annotate = no_annotations

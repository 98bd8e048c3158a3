"""CircleCI.

Variables: https://circleci.com/docs/reference/variables/ ("Project values and variables"). Orb
parameters as ``PARAM_*``: https://circleci.com/docs/orbs/author/orb-concepts/ (CircleCI-Public orb
template).

Checked against CircleCI cloud (2025) with GitHub OAuth and Bitbucket Cloud projects. There is no
event variable and no PR target branch (CCI-I-894): ``event_name`` is the derived event and
``target_branch`` stays ``None``. A branch build with an open PR carries ``CIRCLE_PULL_REQUEST`` and
is reported as ``pr`` (the official orb does the same); ``CIRCLE_PR_*`` exist on forked-PR builds
only; GitHub App, GitLab and Bitbucket Data Center projects lack ``CIRCLE_PULL_REQUESTS``,
``CIRCLE_PR_*`` and ``CIRCLE_REPOSITORY_URL``.
"""

from __future__ import annotations

from gimlet_ci.adapters._common import (
    commit_url,
    declared_inputs,
    finish,
    get,
    git_remote,
    is_true,
    no_annotations,
    no_startup_lines,
    non_empty,
    to_int,
    trailing_int,
    urlsplit,
    web_base,
)
from gimlet_ci.adapters._context import CIContext, Event, InputValue, PlatformOutputs, ReadFile

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping

    from gimlet_ci._models import Outcome

NAME = "circleci"
MISSING_SECRETS_TIP = (
    "add GIMLET_SERVER and GIMLET_TOKEN as project variables or a context; "
    "forked pull requests get none unless 'Pass secrets to builds from forked pull requests' is on"
)


def detect(env: Mapping[str, str]) -> bool:
    """``CIRCLECI=true``."""
    return is_true(env, "CIRCLECI")


def _first_listed(value: str | None) -> str | None:
    if value is None:
        return None
    return next((non_empty(p.strip()) for p in value.split(",") if p.strip()), None)


def context(env: Mapping[str, str], read_file: ReadFile) -> CIContext:  # noqa: ARG001
    """The context of a CircleCI job; the rules and traps are in ``docs/explanation/platforms.md#circleci``."""
    warnings: tuple[str, ...] = ()
    username = get(env, "CIRCLE_PROJECT_USERNAME")
    reponame = get(env, "CIRCLE_PROJECT_REPONAME")
    remote = git_remote(get(env, "CIRCLE_REPOSITORY_URL"))
    repository = f"{username}/{reponame}" if username and reponame else (remote[1] if remote else None)
    sha = get(env, "CIRCLE_SHA1")
    tag = get(env, "CIRCLE_TAG")
    pr_link = (
        get(env, "CIRCLE_PULL_REQUEST")
        or _first_listed(get(env, "CIRCLE_PULL_REQUESTS"))
        or get(env, "CI_PULL_REQUEST")
        or _first_listed(get(env, "CI_PULL_REQUESTS"))
    )
    pr_number = (
        to_int(get(env, "CIRCLE_PR_NUMBER"))
        or trailing_int(get(env, "CIRCLE_PULL_REQUEST"))
        or trailing_int(_first_listed(get(env, "CIRCLE_PULL_REQUESTS")))
        or trailing_int(get(env, "CI_PULL_REQUEST"))
    )
    event: Event = "push"
    if tag:
        event = "tag"
    elif pr_link or pr_number or get(env, "CIRCLE_PR_NUMBER"):
        event = "pr"
    branch = None if event == "tag" else get(env, "CIRCLE_BRANCH")

    host: str | None = remote[0] if remote else None
    if host is None and pr_link is not None:
        try:
            host = urlsplit(pr_link.strip()).hostname
        except ValueError:
            host = None
    base: str | None = None
    if repository:
        if host is None:
            host = "github.com"
            warnings = ("no repository host in CIRCLE_REPOSITORY_URL; links assume github.com",)
        base = f"https://{host}/{repository}"
    elif remote:
        base = web_base(get(env, "CIRCLE_REPOSITORY_URL"))
    url = pr_link.strip() if event == "pr" and pr_link else commit_url(base, sha)
    job = get(env, "CIRCLE_JOB")

    ctx = CIContext(
        platform=NAME,
        repository=repository,
        owner=username,
        sha=sha,
        branch=branch,
        event=event,
        event_name=event,
        tag=tag,
        pr_number=pr_number if event == "pr" else None,
        url=url,
        ci_url=get(env, "CIRCLE_BUILD_URL"),
        actor=get(env, "CIRCLE_USERNAME"),
        job=job,
        warnings=warnings,
    )
    return finish(ctx, env, contains="CIRCLE", job_var=job)


def inputs(env: Mapping[str, str]) -> dict[str, InputValue]:
    """The orb's ``PARAM_*`` → settings (``debug`` is ``dry_run``; booleans may be 1/0)."""
    return declared_inputs(env, NAME)


def outputs(env: Mapping[str, str], outcome: Outcome) -> PlatformOutputs:
    """``export GIMLET_ARTIFACT_ID=…``, ``…RELEASE_ID=…`` and ``GIMLET_URL=…`` (shell-quoted) for ``$BASH_ENV``.

    Later steps of the job see them; ``GIMLET_ARTIFACT_ID`` and ``GIMLET_RELEASE_ID`` are also the settings the
    ``deploy`` and ``track`` commands read, so a later orb step needs no parameter for them."""
    path = get(env, "BASH_ENV")
    lines = [
        f"export {name}={_shell_quote(value)}\n"
        for name, value in (
            ("GIMLET_ARTIFACT_ID", outcome.artifact_id),
            ("GIMLET_RELEASE_ID", outcome.release_id),
            ("GIMLET_URL", outcome.url),
        )
        if value
    ]
    if path is None or not lines:
        return PlatformOutputs()
    return PlatformOutputs(files=((path, "".join(lines)),))


def _shell_quote(text: str) -> str:
    import shlex  # noqa: PLC0415 - only when writing outputs

    return shlex.quote(text)


startup_lines = no_startup_lines
annotate = no_annotations

"""Bitbucket Pipelines.

Variables: https://support.atlassian.com/bitbucket-cloud/docs/variables-and-secrets/ ("Default
variables").

Checked against Bitbucket Cloud (2025). There is no event variable (``event_name`` is the derived
event) and no login of who triggered (``BITBUCKET_STEP_TRIGGERER_UUID`` is an account UUID, so
``actor`` stays ``None``). ``BITBUCKET_GIT_HTTP_ORIGIN`` is
``http://bitbucket.org/<workspace>/<repo>``; links use it, upgraded to https for bitbucket.org.
"""

from __future__ import annotations

from collections.abc import Mapping

from gimlet_ci.adapters._common import (
    SET_SECRETS_TIP,
    finish,
    get,
    no_annotations,
    no_inputs,
    no_outputs,
    no_startup_lines,
    to_int,
)
from gimlet_ci.adapters._context import CIContext, Event, ReadFile

NAME = "bitbucket"
MISSING_SECRETS_TIP = SET_SECRETS_TIP


def detect(env: Mapping[str, str]) -> bool:
    """``BITBUCKET_BUILD_NUMBER`` is present."""
    return get(env, "BITBUCKET_BUILD_NUMBER") is not None


def context(env: Mapping[str, str], read_file: ReadFile) -> CIContext:  # noqa: ARG001
    """The context of a Bitbucket Pipelines step; the rules and traps are in ``docs/explanation/platforms.md#other``."""
    workspace = get(env, "BITBUCKET_WORKSPACE", "BITBUCKET_REPO_OWNER")
    slug = get(env, "BITBUCKET_REPO_SLUG")
    repository = get(env, "BITBUCKET_REPO_FULL_NAME") or (f"{workspace}/{slug}" if workspace and slug else None)
    sha = get(env, "BITBUCKET_COMMIT")
    tag = get(env, "BITBUCKET_TAG")
    pr_number = to_int(get(env, "BITBUCKET_PR_ID"))
    event: Event = "tag" if tag else ("pr" if get(env, "BITBUCKET_PR_ID") else "push")
    branch = None if event == "tag" else get(env, "BITBUCKET_BRANCH")
    origin = (get(env, "BITBUCKET_GIT_HTTP_ORIGIN") or "").strip().rstrip("/")
    if origin.startswith("http://bitbucket.org/"):
        origin = "https://" + origin[len("http://") :]
    build = get(env, "BITBUCKET_BUILD_NUMBER")
    url = None
    if origin:
        if event == "pr" and pr_number:
            url = f"{origin}/pull-requests/{pr_number}"
        elif sha:
            url = f"{origin}/commits/{sha}"
    ci_url = f"{origin}/addon/pipelines/home#!/results/{build.strip()}" if origin and build else None

    ctx = CIContext(
        platform=NAME,
        repository=repository,
        owner=workspace,
        sha=sha,
        branch=branch,
        event=event,
        event_name=event,
        tag=tag,
        target_branch=get(env, "BITBUCKET_PR_DESTINATION_BRANCH") if event == "pr" else None,
        pr_number=pr_number if event == "pr" else None,
        url=url,
        ci_url=ci_url,
    )
    return finish(ctx, env, contains="BITBUCKET_", job_var=build)


# Pipes get their variables unprefixed: settings come from GIMLET_* (the core reads it).
inputs = no_inputs
outputs = no_outputs
startup_lines = no_startup_lines
annotate = no_annotations

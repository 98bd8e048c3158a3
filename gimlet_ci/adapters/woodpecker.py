"""Woodpecker CI, from 0.15 to 3.x.

Variables: https://woodpecker-ci.org/docs/usage/environment (and the versioned pages for 0.15, 1.0,
2.x); migrations: https://woodpecker-ci.org/docs/migrations; plugin settings:
https://woodpecker-ci.org/docs/usage/plugins/creating-plugins.

Checked against the code at v0.15, v1.0.0, v2.0.0, v2.8, v3.0.0 and later 3.x tags (to 3.17):

- names: ``CI_PIPELINE_*``/``CI_STEP_*`` (1.0+) first, then the 0.15 names ``CI_BUILD_*``,
  ``CI_JOB_*``, ``*_LINK`` and the deprecated aliases
  ``CI_COMMIT``/``CI_BRANCH``/``CI_TAG``/``CI_PULL_REQUEST``;
- ``CI_PIPELINE_URL`` is the forge link on 1.x and the Woodpecker UI page from 2.0; 2.0+ is
  recognised by ``CI_PIPELINE_FORGE_URL``/``CI_STEP_URL``/``CI_STEP_NUMBER`` or by
  ``CI_SYSTEM_VERSION``;
- 3.x no longer injects empty variables, so every read falls back;
- PR events (``pull_request``, ``pull_request_closed``, ``pull_request_metadata``):
  ``CI_COMMIT_BRANCH`` is the target and ``CI_COMMIT_MESSAGE`` is the PR title on the GitHub forge,
  so no commit metadata is taken from them; neither from ``manual`` (``MANUAL PIPELINE @ …``),
  ``cron`` (the cron's name), ``release`` or ``deployment``.
"""

from __future__ import annotations

import re

from gimlet_ci.adapters._common import (
    branch_from_ref,
    commit_or_none,
    declared_inputs,
    finish,
    get,
    no_annotations,
    no_outputs,
    no_startup_lines,
    non_empty,
    parse_time,
    pull_ref_number,
    tag_from_ref,
    to_int,
)
from gimlet_ci.adapters._context import CIContext, CommitInfo, Event, InputValue, ReadFile

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

NAME = "woodpecker"
MISSING_SECRETS_TIP = (
    "pass them as settings gimlet_server/gimlet_token with from_secret (or secrets: [...]); "
    "secrets are not exposed to pull_request events by default"
)

_PR_EVENTS = frozenset({"pull_request", "pull_request_closed", "pull_request_metadata"})
_TAG_EVENTS = frozenset({"tag", "release"})
_COMMIT_EVENTS = frozenset({"push", "tag"})
_VERSION = re.compile(r"^v?([0-9]{1,4})\.")
_LIST_ITEM_START = re.compile(r",(?=\s*[A-Za-z_][A-Za-z0-9_.\-]*=)")


def detect(env: Mapping[str, str]) -> bool:
    """``CI=woodpecker`` or ``CI_SYSTEM_NAME=woodpecker``; checked before Drone."""
    return "woodpecker" in {
        (env.get("CI") or "").strip().lower(),
        (env.get("CI_SYSTEM_NAME") or "").strip().lower(),
    }


def _is_v2_or_later(env: Mapping[str, str]) -> bool:
    version = get(env, "CI_SYSTEM_VERSION")
    if version is not None:
        match = _VERSION.match(version.strip())
        if match:
            return int(match.group(1)) >= 2  # noqa: PLR2004 - CI_PIPELINE_URL changed in 2.0
        if version.strip().lower().startswith("next"):
            return True  # development builds of main
    return get(env, "CI_PIPELINE_FORGE_URL", "CI_STEP_URL", "CI_STEP_NUMBER") is not None


def context(env: Mapping[str, str], read_file: ReadFile) -> CIContext:  # noqa: ARG001
    """The context of a Woodpecker step; the rules and traps are in ``docs/explanation/platforms.md#woodpecker``."""
    repository = get(env, "CI_REPO")
    repo_owner = get(env, "CI_REPO_OWNER")
    repo_name = get(env, "CI_REPO_NAME")
    if repository is None and repo_owner and repo_name:
        repository = f"{repo_owner}/{repo_name}"
    sha = get(env, "CI_COMMIT_SHA", "CI_COMMIT")
    event_name = get(env, "CI_PIPELINE_EVENT", "CI_BUILD_EVENT")
    commit_ref = get(env, "CI_COMMIT_REF")
    tag = get(env, "CI_COMMIT_TAG", "CI_TAG") or tag_from_ref(commit_ref)

    event: Event
    branch = target_branch = None
    pr_number: int | None = None
    if event_name in _PR_EVENTS:
        event = "pr"
        refspec = get(env, "CI_COMMIT_REFSPEC") or ""
        spec_source, colon, spec_target = refspec.partition(":")
        branch = get(env, "CI_COMMIT_SOURCE_BRANCH") or (non_empty(spec_source) if colon else None)
        target_branch = (
            get(env, "CI_COMMIT_TARGET_BRANCH")
            or (non_empty(spec_target) if colon else None)
            or get(env, "CI_COMMIT_BRANCH", "CI_BRANCH")
        )
        pr_number = to_int(get(env, "CI_COMMIT_PULL_REQUEST", "CI_PULL_REQUEST")) or pull_ref_number(
            commit_ref,
        )
        tag = None
    elif event_name in _TAG_EVENTS or tag:
        event = "tag"
    else:
        event = "push"
        branch = branch_from_ref(get(env, "CI_COMMIT_BRANCH", "CI_BRANCH")) or branch_from_ref(
            commit_ref,
        )
    if event != "tag":
        tag = None

    v2 = _is_v2_or_later(env)
    if v2:
        url = get(env, "CI_PIPELINE_FORGE_URL", "CI_COMMIT_URL")
        ci_url = get(env, "CI_PIPELINE_URL", "CI_STEP_URL")
    else:
        url = get(env, "CI_COMMIT_URL", "CI_COMMIT_LINK", "CI_PIPELINE_URL", "CI_BUILD_LINK")
        ci_url = None

    commit = None
    if event_name in _COMMIT_EVENTS:
        commit = commit_or_none(
            CommitInfo(
                message=get(env, "CI_COMMIT_MESSAGE"),
                author_name=get(env, "CI_COMMIT_AUTHOR"),
                author_email=get(env, "CI_COMMIT_AUTHOR_EMAIL"),
                created=parse_time(get(env, "CI_COMMIT_TIMESTAMP")),
            ),
        )

    ctx = CIContext(
        platform=NAME,
        repository=repository,
        owner=repo_owner,
        sha=sha,
        branch=branch,
        event=event,
        event_name=event_name,
        tag=tag,
        target_branch=target_branch,
        pr_number=pr_number,
        url=url,
        ci_url=ci_url,
        actor=get(env, "CI_PIPELINE_AUTHOR", "CI_COMMIT_AUTHOR"),
        job=get(env, "CI_STEP_NAME"),
        commit=commit,
    )
    return finish(ctx, env, contains="CI_", job_var=get(env, "CI_PIPELINE_NUMBER", "CI_BUILD_NUMBER"))


def _scalar(value: Any) -> str:
    if isinstance(value, str):
        return value
    import json  # noqa: PLC0415 - only for map settings

    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _pairs_from_json(value: Any) -> list[str] | None:
    if isinstance(value, dict):
        return [f"{k}={_scalar(v)}" for k, v in value.items()]
    if isinstance(value, list) and all(isinstance(item, dict) for item in value):
        pairs: list[str] = []
        for item in value:
            if set(item) == {"name", "url"}:
                pairs.append(f"{_scalar(item['name'])}={_scalar(item['url'])}")
            else:
                pairs += [f"{k}={_scalar(v)}" for k, v in item.items()]
        return pairs
    return None


def normalise_fields(value: str) -> str:
    """A ``fields`` setting as Woodpecker encodes it → ``k=v;k2=v2``.

    A map (``{docs: https://…}``) or list of maps arrives as compact JSON; a list of ``k=v``
    strings arrives
    comma-joined without escaping, so a comma starts a new item only when ``name=`` follows it. A
    plain string
    (``k=v;k2=v2``, or with newlines) is returned unchanged.
    """
    text = value.strip()
    if text.startswith(("{", "[")):
        try:
            import json  # noqa: PLC0415 - only for map settings

            pairs = _pairs_from_json(json.loads(text))
        except (ValueError, RecursionError):
            pairs = None
        if pairs is not None:
            return ";".join(pairs)
    if ";" in value or "\n" in value or "," not in value:
        return value
    return ";".join(part.strip() for part in _LIST_ITEM_START.split(value) if part.strip())


def inputs(env: Mapping[str, str]) -> dict[str, InputValue]:
    """``settings:`` as ``PLUGIN_*`` → settings, ``gimlet_server``/``gimlet_token`` included."""
    found = declared_inputs(env, NAME)
    if "fields" in found:
        name, value = found["fields"]
        found["fields"] = (name, normalise_fields(value))
    return found


outputs = no_outputs
startup_lines = no_startup_lines
annotate = no_annotations

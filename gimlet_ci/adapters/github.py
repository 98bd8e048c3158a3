"""GitHub Actions (also Gitea and Forgejo Actions, which emulate its variables).

Variables: https://docs.github.com/en/actions/reference/variables-reference Events and payloads:
https://docs.github.com/en/actions/reference/events-that-trigger-workflows and
https://docs.github.com/en/webhooks/webhook-events-and-payloads Workflow commands and files:
https://docs.github.com/en/actions/reference/workflow-commands-for-github-actions

Checked against github.com and GHES 3.x runners (runner 2.3xx):
``GITHUB_HEAD_REF``/``GITHUB_BASE_REF`` are ``""`` outside PR events, ``GITHUB_REF`` is
``refs/heads/<base>`` on ``pull_request_target``, ``GITHUB_SHA`` is the test merge commit on
``pull_request``. The event payload (``GITHUB_EVENT_PATH``) is read first, the environment is the
fallback; a missing or broken payload only adds a warning.
"""

from __future__ import annotations

import re

from gimlet_ci._defuse import escape_data, escape_property, strip_controls
from gimlet_ci.adapters._common import (
    branch_from_ref,
    commit_or_none,
    declared_inputs,
    event_by_ref,
    finish,
    get,
    is_sha,
    is_true,
    link_base,
    non_empty,
    parse_time,
    pull_ref_number,
    tag_from_ref,
    to_int,
)
from gimlet_ci.adapters._context import CIContext, CommitInfo, Event, InputValue, PlatformOutputs, ReadFile

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence
    from typing import Any

    from gimlet_ci._models import Note, Outcome

NAME = "github"
MISSING_SECRETS_TIP = (
    "add GIMLET_SERVER and GIMLET_TOKEN as repository secrets and pass them in the step's env:; "
    "pull requests from forks and Dependabot get no secrets"
)

_PR_EVENTS = frozenset(
    {"pull_request", "pull_request_target", "pull_request_review", "pull_request_review_comment"},
)
_PAYLOAD_EVENTS = _PR_EVENTS | {"merge_group", "release", "workflow_run", "deployment"}
_QUEUE_PR = re.compile(r"/pr-([0-9]{1,18})-")


def detect(env: Mapping[str, str]) -> bool:
    """``GITHUB_ACTIONS=true``."""
    return is_true(env, "GITHUB_ACTIONS")


def _dig(obj: object, *keys: str) -> object:
    for key in keys:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(key)
    return obj


def _str(obj: object, *keys: str) -> str | None:
    value = _dig(obj, *keys)
    return non_empty(value) if isinstance(value, str) else None


def _int(obj: object, *keys: str) -> int | None:
    """A positive number, also when the payload gives it as a string (``"number": "42"``, as some
    ``repository_dispatch`` senders and GHES proxies write it)."""
    value = _dig(obj, *keys)
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    return to_int(value) if isinstance(value, str) else None


def _load_payload(
    env: Mapping[str, str], read_file: ReadFile, event_name: str | None
) -> tuple[dict[str, Any], tuple[str, ...]]:
    path = get(env, "GITHUB_EVENT_PATH")
    if path is None:
        if event_name in _PAYLOAD_EVENTS:
            return {}, (f"GITHUB_EVENT_PATH is not set; {event_name} details come from variables only",)
        return {}, ()
    try:
        raw = read_file(path)
    except OSError as e:
        return {}, (f"cannot read the event file {path} ({e.strerror or e}); using variables only",)
    try:
        import json  # noqa: PLC0415 - only with an event file

        payload = json.loads(raw)
    except (ValueError, RecursionError):
        return {}, (f"the event file {path} is not valid JSON; using variables only",)
    if not isinstance(payload, dict):
        return {}, (f"the event file {path} is not a JSON object; using variables only",)
    return payload, ()


def _head_commit(commit: object) -> CommitInfo | None:
    if not isinstance(commit, dict):
        return None
    return commit_or_none(
        CommitInfo(
            message=_str(commit, "message"),
            author_name=_str(commit, "author", "name"),
            author_email=_str(commit, "author", "email"),
            committer_name=_str(commit, "committer", "name"),
            committer_email=_str(commit, "committer", "email"),
            created=parse_time(_str(commit, "timestamp")),
        ),
    )


def context(env: Mapping[str, str], read_file: ReadFile) -> CIContext:
    """The context of a GitHub Actions run; ``docs/explanation/platforms.md#github`` tables it per event."""
    event_name = get(env, "GITHUB_EVENT_NAME")
    payload, warnings = _load_payload(env, read_file, event_name)
    repository = get(env, "GITHUB_REPOSITORY")
    server = link_base(env, "GITHUB_SERVER_URL")
    if server is None:
        server = "https://github.com"
        warnings = (*warnings, "GITHUB_SERVER_URL is not set; links assume https://github.com")
    base = f"{server}/{repository}" if repository else None
    ref = get(env, "GITHUB_REF")
    github_sha = get(env, "GITHUB_SHA")

    sha = github_sha
    branch: str | None = None
    tag: str | None = None
    event: Event = "push"
    target_branch = url = None
    pr_number: int | None = None
    commit: CommitInfo | None = None

    if event_name in _PR_EVENTS:
        pull = _dig(payload, "pull_request")
        event = "pr"
        head = get(env, "INPUT_BRANCHHEAD") or _str(pull, "head", "sha")
        if head is None:
            warnings = (
                *warnings,
                "the pull request head SHA is unknown (no event payload); using GITHUB_SHA",
            )
        sha = head or github_sha
        branch = _str(pull, "head", "ref") or get(env, "GITHUB_HEAD_REF")
        target_branch = _str(pull, "base", "ref") or get(env, "GITHUB_BASE_REF")
        pr_number = _int(payload, "number") or _int(pull, "number")
        if pr_number is None and event_name != "pull_request_target":
            pr_number = pull_ref_number(ref)
        url = _str(pull, "html_url") or (f"{base}/pull/{pr_number}" if base and pr_number else None)
    elif event_name == "merge_group":
        group = _dig(payload, "merge_group")
        sha = github_sha or _str(group, "head_sha")
        branch = branch_from_ref(ref) or branch_from_ref(_str(group, "head_ref"))
        target_branch = branch_from_ref(_str(group, "base_ref"))
        match = _QUEUE_PR.search(branch or "")
        pr_number = int(match.group(1)) if match and int(match.group(1)) else None
    elif event_name == "release":
        event = "tag"
        tag = _str(payload, "release", "tag_name") or tag_from_ref(ref)
        url = _str(payload, "release", "html_url")
    elif event_name == "workflow_run":
        run = _dig(payload, "workflow_run")
        sha = _str(run, "head_sha") or github_sha
        trigger = _str(run, "event")
        head_branch = _str(run, "head_branch")
        commit = _head_commit(_dig(run, "head_commit"))
        if trigger in _PR_EVENTS:
            event = "pr"
            branch = head_branch
            pulls = _dig(run, "pull_requests")
            first = pulls[0] if isinstance(pulls, list) and pulls else None
            pr_number = _int(first, "number")
            target_branch = _str(first, "base", "ref")
            url = f"{base}/pull/{pr_number}" if base and pr_number else None
        elif trigger == "release":
            event, tag = "tag", head_branch
        else:
            branch = head_branch
    elif event_name == "deployment":
        deployment = _dig(payload, "deployment")
        sha = _str(deployment, "sha") or github_sha
        deploy_ref = _str(deployment, "ref")
        if ref is not None and ref.startswith("refs/"):
            tag, branch = tag_from_ref(ref), branch_from_ref(ref)
        elif deploy_ref is not None and not is_sha(deploy_ref):
            tag, branch = tag_from_ref(deploy_ref), branch_from_ref(deploy_ref)
        event = "tag" if tag else "push"
    else:
        # push, workflow_dispatch, schedule, repository_dispatch, any other event: by GITHUB_REF.
        event = event_by_ref(ref)
        tag, branch = tag_from_ref(ref), branch_from_ref(ref)
        if event_name == "push":
            sha = github_sha or _str(payload, "after")
            commit = _head_commit(_dig(payload, "head_commit"))

    if url is None and base and sha:
        url = f"{base}/commit/{sha}"
    run_id = get(env, "GITHUB_RUN_ID")
    ci_url = f"{base}/actions/runs/{run_id}" if base and run_id else None
    job = get(env, "GITHUB_JOB")

    ctx = CIContext(
        platform=NAME,
        repository=repository,
        owner=get(env, "GITHUB_REPOSITORY_OWNER"),
        sha=sha,
        branch=branch,
        event=event,
        event_name=event_name,
        tag=tag,
        target_branch=target_branch,
        pr_number=pr_number,
        url=url,
        ci_url=ci_url,
        actor=get(env, "GITHUB_ACTOR"),
        job=job,
        commit=commit,
        warnings=warnings,
    )
    ctx = finish(ctx, env, contains="GITHUB", job_var=job)
    # As the official action: SHA is GITHUB_SHA (the test merge commit on pull_request), and
    # GITHUB_BRANCH is the branch.
    template_vars = {**ctx.vars, "SHA": github_sha or sha or "", "GITHUB_BRANCH": ctx.branch or ""}
    return ctx.evolve(vars=template_vars)


def inputs(env: Mapping[str, str]) -> dict[str, InputValue]:
    """``INPUT_*`` (as the official Docker action and our composite action receive them) →
    canonical settings.

    Names are matched without regard to case; ``debug`` is the official name of ``dry_run``; empty
    values are unset.
    """
    return declared_inputs(env, NAME, any_case=True)


def startup_lines(env: Mapping[str, str], secrets: Sequence[str]) -> tuple[str, ...]:  # noqa: ARG001
    """One ``::add-mask::`` per non-empty secret line, to print before anything else."""
    lines: list[str] = []
    for secret in secrets:
        for part in secret.splitlines():
            line = f"::add-mask::{escape_data(part)}"
            if part.strip() and line not in lines:
                lines.append(line)
    return tuple(lines)


ANNOTATIONS_PER_SEVERITY = 10
"""GitHub shows at most 10 error and 10 warning annotations per step; the rest are summed up in one more line."""


def annotate(env: Mapping[str, str], notes: Sequence[Note]) -> tuple[str, ...]:  # noqa: ARG001
    """One ``::error file=…,line=…,title=…::message`` (or ``::warning``) per manifest problem, on its manifest line,
    escaped as ``@actions/core`` escapes (message: ``%``, CR, LF; properties also ``:`` and ``,``), control
    characters dropped from the message. Beyond GitHub's
    10 per severity, one line says how many more there are (the text log lists every one)."""
    lines: list[str] = []
    for severity in ("error", "warning"):
        chosen = [note for note in notes if note.severity == severity]
        for note in chosen[:ANNOTATIONS_PER_SEVERITY]:
            properties = []
            if note.file:
                properties.append(f"file={escape_property(note.file)}")
                if note.line is not None:
                    properties.append(f"line={note.line}")
            properties.append(f"title={escape_property(f'gimlet-ci: {note.key}' if note.key else 'gimlet-ci')}")
            lines.append(
                f"::{severity} {','.join(properties)}::{escape_data(strip_controls(note.message, keep_cr=True))}"
            )
        if len(chosen) > ANNOTATIONS_PER_SEVERITY:
            more = len(chosen) - ANNOTATIONS_PER_SEVERITY
            lines.append(f"::{severity} title=gimlet-ci::{more} more {severity}s: see the step's log")
    return tuple(lines)


_MD_ESCAPES = str.maketrans({c: "\\" + c for c in "\\`*_[]()!|~#$:.+-"})
"""Backslash-escaped in server text: inline Markdown (emphasis, code, links, images, strikethrough, math,
emoji), ``|`` (table cells), ``:`` and ``.`` (GFM autolinks), and block markers that could start the line.
``&``, ``<``, ``>`` become entities first; ``;`` and ``&`` stay, so those entities survive."""
_CODE_SAFE = re.compile(r"[A-Za-z0-9._/@+=:-]+")


def _md(text: str | None) -> str:
    """Server text shown literally in the step summary: one line, no HTML, no Markdown, no control characters,
    ``|`` escaped.

    GitHub renders the summary as GFM with HTML allowed, so raw text could inject tags, images or links.
    """
    line = " ".join(strip_controls(text).split()) if text is not None else ""
    if not line:
        return "—"
    import html  # noqa: PLC0415 - only when writing outputs

    return html.escape(line, quote=False).translate(_MD_ESCAPES)


def _code(text: str | None) -> str:
    """An id or hash in a code span; anything but plain id characters is shown as `_md` text instead."""
    if text is None or not text:
        return "—"
    return f"`{text}`" if _CODE_SAFE.fullmatch(text) else _md(text)


def _uuid4() -> str:
    import uuid  # noqa: PLC0415 - only when writing outputs

    return str(uuid.uuid4())


def _output_block(name: str, value: str, make_uuid: Callable[[], str]) -> str | None:
    for _ in range(3):
        delimiter = f"ghadelimiter_{make_uuid()}"
        if delimiter not in name and delimiter not in value:
            return f"{name}<<{delimiter}\n{value}\n{delimiter}\n"
    return None


def _summary(outcome: Outcome) -> str:
    lines = [
        "### Gimlet",
        "",
        "| | |",
        "| --- | --- |",
        f"| Status | {_md(outcome.status)} |",
        f"| Artifact | {_code(outcome.artifact_id)} |",
    ]
    if outcome.release_id:
        lines.append(f"| Release | {_code(outcome.release_id)} |")
    lines += [f"| Repository | {_md(outcome.repository)} |", f"| Commit | {_code(outcome.sha)} |"]
    if outcome.message:
        lines += ["", _md(outcome.message)]
    if outcome.deploys:
        lines += ["", "| App | Env | Status | Gitops hash | URL |", "| --- | --- | --- | --- | --- |"]
        lines += [
            f"| {_md(d.app)} | {_md(d.env)} | {_md(d.status)} | {_code(d.gitops_hash)} | {_md(d.url)} |"
            for d in outcome.deploys
        ]
    return "\n".join(lines) + "\n"


def _annotations(outcome: Outcome) -> tuple[str, ...]:
    title = escape_property("gimlet-ci")
    if outcome.status == "cancelled":
        message = strip_controls(outcome.message or "gimlet-ci: cancelled", keep_cr=True)
        return (f"::warning title={title}::{escape_data(message)}",)
    if outcome.status not in {"failed", "timeout", "error"}:
        return ()
    messages = [outcome.message or f"gimlet-ci: {outcome.status}"]
    messages += [
        f"{d.app or '?'} -> {d.env or '?'}: {d.message or d.status}" for d in outcome.deploys if d.status == "failed"
    ]
    # Server text without terminal escapes, escaped onto our one command line (the runner reads no other command in
    # a line that is one).
    return tuple(f"::error title={title}::{escape_data(strip_controls(m, keep_cr=True))}" for m in messages[:10])


def outputs(
    env: Mapping[str, str],
    outcome: Outcome,
    *,
    make_uuid: Callable[[], str] = _uuid4,
) -> PlatformOutputs:
    """``artifact-id``, ``release-id``, ``status``, ``url`` (where the app was deployed, empty when unknown) and
    ``deploys`` (the JSON list of ``--output json``) for ``$GITHUB_OUTPUT``, a step summary, ``::error::`` lines
    and the annotations of ``ship``'s manifest problems.

    Outputs use the heredoc form with a fresh ``ghadelimiter_<uuid4>`` each (as ``@actions/core``),
    so no value can
    end the block early; every log line starts with our own command, and server text is escaped
    onto that one line.
    """
    files: list[tuple[str, str]] = []
    output_path = get(env, "GITHUB_OUTPUT")
    if output_path is not None:
        import json  # noqa: PLC0415 - only when writing outputs

        values = (
            ("artifact-id", outcome.artifact_id or ""),
            ("release-id", outcome.release_id or ""),
            ("status", outcome.status),
            ("url", outcome.url or ""),
            ("deploys", json.dumps(outcome.as_json()["deploys"])),
        )
        blocks = [_output_block(name, value, make_uuid) for name, value in values]
        files.append((output_path, "".join(b for b in blocks if b is not None)))
    summary_path = get(env, "GITHUB_STEP_SUMMARY")
    if summary_path is not None:
        files.append((summary_path, _summary(outcome)))
    return PlatformOutputs(files=tuple(files), log_lines=annotate(env, outcome.notes) + _annotations(outcome))

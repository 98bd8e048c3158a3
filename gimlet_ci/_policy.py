"""Gimlet's deploy policies (``deployTrigger`` in ``worker/gitops.go``), quirks included.

Pure functions over plain mappings: a manifest as parsed from YAML and an artifact version in wire
JSON form (camelCase keys). `evaluate` says whether Gimlet would deploy the manifest for that
version and names the first rule that decided, in words a user can act on. `apply_preview`
reproduces ``Manifest.PrepPreview``.

The rules, in Gimlet's order (the first failing one decides):

1. no ``deploy`` → no deploy; ``branch``, ``event``, ``tag`` and ``commitMessagePatterns`` all empty
   → no deploy;
2. ``branch`` set needs ``event`` ``push`` or ``pr`` (unset does not count);
3. ``tag`` set needs ``event`` ``tag``;
4. the tag must equal the policy with a leading ``!`` removed, or match the policy as a glob
   **with** the ``!`` still in it; a leading ``!`` negates. So negated literals work and negated
   globs do not. Without ``!`` Gimlet compares against ``deploy.branch`` (always empty here) by
   mistake, so a tag event without a tag fires;
5. the branch must equal or glob-match ``deploy.branch``; a leading ``!`` (stripped) negates;
6. ``event`` set must equal the artifact's event (absent or unknown means push);
7. ``commitMessagePatterns`` set: the message must match one of them, ``[`` and ``]`` literal; a
   message containing ``[DEPLOY: ALL]`` always passes this step.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from gimlet_ci._glob import Glob, compile_glob

__all__ = [
    "DEPLOY_ALL_MARKER",
    "PREVIEW_BRANCH_POLICY",
    "Decision",
    "apply_preview",
    "evaluate",
    "git_event",
]

DEPLOY_ALL_MARKER = "[DEPLOY: ALL]"
"""A commit message containing this satisfies any ``commitMessagePatterns`` list."""
PREVIEW_BRANCH_POLICY = "!{main,master}"
"""The branch policy Gimlet forces on ``preview: true`` manifests."""

_EVENTS = ("push", "tag", "pr")


@attrs.frozen(kw_only=True)
class Decision:
    """Whether Gimlet's deploy policy fires for one manifest, and why."""

    fires: bool
    """True when Gimlet would deploy the manifest for this artifact."""
    reason: str
    """The first rule that decided, in words a user can act on."""
    rule: str
    """A short stable id: ``no-deploy``, ``empty-policy``, ``branch-needs-event``,
    ``tag-needs-event``, ``tag-mismatch``, ``branch-mismatch``, ``event-mismatch``,
    ``message-mismatch`` or ``fires``."""
    quirk: str | None = None
    """Set when one of Gimlet's tag-matching quirks decided the outcome, explaining it."""


def git_event(value: Any) -> str:
    """Decode a ``dx.GitEvent`` as Gimlet does: ``push``, ``tag``, ``pr``; anything else is push."""
    return value if isinstance(value, str) and value in _EVENTS else "push"


def _text(value: Any) -> str:
    """A scalar policy or version value as the string Go would hold (None and absent are empty)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _compile(pattern: str) -> Glob | str:
    """Compile a glob as Gimlet's ``glob.MustCompile`` does; the error text when it would panic."""
    try:
        return compile_glob(pattern, strict=False)
    except ValueError as e:
        return str(e)


def _escape_brackets(pattern: str) -> str:
    return pattern.replace("[", "\\[").replace("]", "\\]")


def apply_preview(manifest: Mapping[str, Any]) -> dict[str, Any]:
    """Return a copy of *manifest* rewritten as Gimlet's ``PrepPreview`` does for ``preview: true``.

    The app becomes ``<app without -preview>-{{ .BRANCH | sanitizeDNSName }}``, ``values.gitBranch``
    is set to ``{{ .BRANCH }}``, an ``ingress.host`` gets the new app name as its first label, the
    deploy policy becomes ``{branch: "!{main,master}", event: push}`` and a cleanup on
    ``branchDeleted`` is added. Other manifests are returned as an unchanged copy.
    """
    result = copy.deepcopy(dict(manifest))
    if result.get("preview") is not True:
        return result
    app = _text(result.get("app")).removesuffix("-preview") + "-{{ .BRANCH | sanitizeDNSName }}"
    result["app"] = app
    values = result.get("values")
    if not isinstance(values, dict):
        values = {}
        result["values"] = values
    values["gitBranch"] = "{{ .BRANCH }}"
    ingress = values.get("ingress")
    if isinstance(ingress, dict) and isinstance(ingress.get("host"), str):
        host: str = ingress["host"]
        dot = host.find(".")
        if dot >= 0:
            ingress["host"] = app + host[dot:]
    result["deploy"] = {"branch": PREVIEW_BRANCH_POLICY, "event": "push"}
    result["cleanup"] = {"app": app, "event": "branchDeleted", "branch": "*"}
    return result


def _patterns(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, Sequence):
        return [_text(item) for item in value]
    return [_text(value)]


def _describe_version(event: str, branch: str, tag: str) -> str:
    if event == "tag":
        return f"tag {tag!r}" if tag else "a tag event without a tag"
    kind = "pull request from branch" if event == "pr" else "push to branch"
    return f"{kind} {branch!r}" if branch else f"{event} with no branch"


def _check_tag(policy_tag: str, tag: str) -> Decision | None:
    """Step 4 of the algorithm: a decision when the tag stops the deploy, else None."""
    negate = policy_tag.startswith("!")
    exact_target = policy_tag[1:] if negate else ""  # Gimlet compares with deploy.branch, empty here
    compiled = _compile(policy_tag)
    if isinstance(compiled, str):
        return Decision(
            fires=False,
            rule="tag-mismatch",
            reason=f"deploy.tag {policy_tag!r} is not a valid glob ({compiled});"
            " Gimlet cannot compile it, fix the pattern",
        )
    match = exact_target == tag or compiled.match(tag)
    gimlet_fires = not match if negate else match
    if gimlet_fires:
        return None
    if negate:
        reason = f"tag {tag!r} is excluded by deploy.tag {policy_tag!r}"
    else:
        reason = f"tag {tag!r} does not match deploy.tag {policy_tag!r}"
    return Decision(fires=False, rule="tag-mismatch", reason=reason)


def _tag_quirk(policy_tag: str, tag: str) -> str | None:
    """Explain when Gimlet's tag check differs from what the policy appears to say."""
    negate = policy_tag.startswith("!")
    body = policy_tag[1:] if negate else policy_tag
    intended = _compile(body)
    if isinstance(intended, str):
        return None
    intended_match = intended.match(tag)
    if negate and intended_match:
        return (
            f"Gimlet does not negate tag globs: deploy.tag {policy_tag!r} is matched as the glob"
            f" {policy_tag!r}"
            f" (which no real tag matches) or the exact tag {body!r}, so tag {tag!r} still fires;"
            f" only negated literals such as '!v1' work"
        )
    if not negate and not tag and not intended_match:
        return (
            f"Gimlet compares the tag with deploy.branch (empty) by mistake,"
            " so a tag event without a tag"
            f" fires deploy.tag {policy_tag!r}"
        )
    return None


def evaluate(manifest: Mapping[str, Any], version: Mapping[str, Any]) -> Decision:
    """Decide, as Gimlet's ``deployTrigger`` does, whether *manifest* deploys for the artifact
    *version*.

    *manifest* is a manifest mapping as parsed from YAML; `apply_preview` is applied first.
    *version* is the artifact's ``version`` in wire JSON form (``branch``, ``tag``, ``message``,
    ``event``; absent or unknown event means push).
    """
    prepared = apply_preview(manifest)
    deploy = prepared.get("deploy")
    if not isinstance(deploy, Mapping):
        return Decision(
            fires=False,
            rule="no-deploy",
            reason="the manifest has no deploy policy, so Gimlet deploys it only on demand;"
            " add deploy: {branch: ..., event: push} to deploy automatically",
        )
    policy_branch = _text(deploy.get("branch"))
    policy_tag = _text(deploy.get("tag"))
    raw_event = deploy.get("event")
    policy_event = None if raw_event is None else git_event(raw_event)
    patterns = _patterns(deploy.get("commitMessagePatterns"))

    branch = _text(version.get("branch"))
    tag = _text(version.get("tag"))
    message = _text(version.get("message"))
    event = git_event(version.get("event"))
    described = _describe_version(event, branch, tag)

    if not policy_branch and policy_event is None and not policy_tag and not patterns:
        return Decision(
            fires=False,
            rule="empty-policy",
            reason="deploy has no branch, event, tag or commitMessagePatterns, so it never fires;"
            " set at least deploy.event",
        )
    if policy_branch and policy_event not in {"push", "pr"}:
        have = "no deploy.event" if policy_event is None else f"deploy.event {policy_event!r}"
        return Decision(
            fires=False,
            rule="branch-needs-event",
            reason=f"deploy.branch {policy_branch!r} has {have}: a branch policy needs event push or pr",
        )
    if policy_tag and policy_event != "tag":
        have = "no deploy.event" if policy_event is None else f"deploy.event {policy_event!r}"
        return Decision(
            fires=False,
            rule="tag-needs-event",
            reason=f"deploy.tag {policy_tag!r} has {have}: a tag policy needs event tag",
        )
    quirk = None
    if policy_tag:
        quirk = _tag_quirk(policy_tag, tag)
        stopped = _check_tag(policy_tag, tag)
        if stopped is not None:
            return attrs.evolve(stopped, quirk=quirk)
    if policy_branch:
        negate = policy_branch.startswith("!")
        body = policy_branch[1:] if negate else policy_branch
        compiled = _compile(body)
        if isinstance(compiled, str):
            return Decision(
                fires=False,
                rule="branch-mismatch",
                reason=f"deploy.branch {policy_branch!r} is not a valid glob ({compiled});"
                " Gimlet cannot compile it, fix the pattern",
            )
        match = body == branch or compiled.match(branch)
        if negate and match:
            return Decision(
                fires=False,
                rule="branch-mismatch",
                reason=f"branch {branch!r} is excluded by deploy.branch {policy_branch!r}",
            )
        if not negate and not match:
            shown = f"branch {branch!r}" if branch else "the artifact has no branch and"
            return Decision(
                fires=False,
                rule="branch-mismatch",
                reason=f"{shown} does not match deploy.branch {policy_branch!r}",
            )
    if policy_event is not None and policy_event != event:
        return Decision(
            fires=False,
            rule="event-mismatch",
            reason=f"the artifact is a {event} event but deploy.event is {policy_event!r}",
        )
    if patterns:
        matched = compile_glob(_escape_brackets(f"*{DEPLOY_ALL_MARKER}*"), strict=False).match(message)
        for pattern in patterns:
            if matched:
                break
            compiled = _compile(_escape_brackets(pattern))
            matched = not isinstance(compiled, str) and compiled.match(message)
        if not matched:
            first_line = message.splitlines()[0] if message else ""
            return Decision(
                fires=False,
                rule="message-mismatch",
                reason=f"commit message {first_line!r} matches none of deploy.commitMessagePatterns"
                f" {patterns!r} (brackets are literal;"
                f" a message containing {DEPLOY_ALL_MARKER} always matches)",
            )
    parts = []
    if policy_tag:
        parts.append(f"tag {policy_tag!r}")
    if policy_branch:
        parts.append(f"branch {policy_branch!r}")
    if policy_event is not None:
        parts.append(f"event {policy_event!r}")
    if patterns:
        parts.append(f"commitMessagePatterns {patterns!r}")
    return Decision(
        fires=True,
        rule="fires",
        reason=f"{described} matches deploy {', '.join(parts)}",
        quirk=quirk,
    )

"""What Gimlet's gitops worker does with a decoded artifact, panics included (``pkg/dashboard/worker/gitops.go``).

Functions over `dx` values (the dicts `gojson` decodes into): ``PrepPreview``, ``deployTrigger`` with its
``commitMessagePatternMatch``, ``cleanupTrigger``, ``gitops.ExtractImageStrategy`` and
``Artifact.HasCleanupPolicy``. Where Gimlet's Go code panics (``glob.MustCompile`` on an invalid glob, gobwas
panicking in ``Match``, an unchecked type assertion, a nil manifest) these raise `GoPanic`; in Gimlet the worker
has no ``recover``, so such a panic takes the whole server down.

``deployTrigger``, in Gimlet's order; the first failing step decides:

1. no ``deploy`` → false; ``branch``, ``event``, ``tag`` and ``commitMessagePatterns`` all empty → false;
2. ``branch`` set needs ``event`` ``push`` or ``pr`` (unset does not count);
3. ``tag`` set needs ``event`` ``tag``;
4. the tag must equal the policy with a leading ``!`` removed, or match the policy as a glob compiled **with** the
   ``!`` in it; a leading ``!`` negates. Without ``!`` the exact check compares with ``deploy.branch`` (always empty
   here) by mistake, so a tag event without a tag fires;
5. the branch must equal or glob-match ``deploy.branch``; a leading ``!`` (stripped) negates;
6. ``event`` set must equal the artifact's event;
7. ``commitMessagePatterns`` set: the message must match one of them, ``[`` and ``]`` escaped; a message containing
   ``[DEPLOY: ALL]`` always passes.
"""

from __future__ import annotations

import copy
from typing import Any

import attrs

from gimlet_ci.gimlet.glob import GlobBudgetExceeded, GlobMatchPanic, GlobSyntaxError, compile_glob
from gimlet_ci.gimlet.gojson import GoPanic, type_assert

__all__ = [
    "DEPLOY_ALL_MARKER",
    "PREVIEW_BRANCH_POLICY",
    "Decision",
    "cleanup_trigger",
    "deploy_trigger",
    "extract_image_strategy",
    "has_cleanup_policy",
    "prep_preview",
]

DEPLOY_ALL_MARKER = "[DEPLOY: ALL]"
"""A commit message containing this satisfies any ``commitMessagePatterns`` list."""
PREVIEW_BRANCH_POLICY = "!{main,master}"
"""The branch policy Gimlet forces on ``preview: true`` manifests."""
IMAGE_BUILD_STRATEGIES = frozenset({"buildpacks", "dockerfile"})
"""``values.image.strategy`` values that make Gimlet build the image in the cluster."""

_MAP = "map[string]interface {}"
NIL_DEREFERENCE = "runtime error: invalid memory address or nil pointer dereference"


@attrs.frozen(kw_only=True)
class Decision:
    """Whether ``deployTrigger`` fires for one manifest, and why."""

    fires: bool
    """True when Gimlet deploys the manifest for this artifact."""
    rule: str
    """A stable id: ``no-deploy``, ``empty-policy``, ``branch-needs-event``, ``tag-needs-event``,
    ``tag-mismatch``, ``branch-mismatch``, ``event-mismatch``, ``message-mismatch`` or ``fires``."""
    reason: str
    """The step that decided, in words a user can act on."""
    quirk: str | None = None
    """Set when one of Gimlet's matching quirks decided, explaining it."""


def _must_compile(pattern: str, where: str) -> Any:
    try:
        return compile_glob(pattern)
    except GlobSyntaxError as e:
        msg = f"glob.MustCompile({pattern!r}) in {where}: {e}"
        raise GoPanic(msg) from e


def _match(glob: Any, text: str, where: str) -> bool:
    try:
        return bool(glob.match(text))
    except GlobMatchPanic as e:
        msg = f"gobwas glob {glob.pattern!r} matching {text!r} in {where}: {e}"
        raise GoPanic(msg) from e
    except GlobBudgetExceeded as e:
        raise CutShort(glob.pattern, text, where) from e


class CutShort(Exception):
    """Matching a glob took too long and was cut short (`gimlet_ci.gimlet.glob.MATCH_BUDGET`): whether the policy
    fires is unknown. gobwas backtracks without a memo, so Gimlet's worker would spend at least as long."""

    def __init__(self, pattern: str, text: str, where: str) -> None:
        shown = text if len(text) <= 60 else f"{text[:30]}…{text[-20:]} ({len(text)} characters)"  # noqa: PLR2004
        super().__init__(
            f"matching the glob {pattern!r} against {shown!r} in {where} was cut short (too many steps):"
            " gimlet-ci cannot tell whether it fires, and gobwas, which Gimlet uses, backtracks on it for at least as"
            " long; simplify the pattern"
        )


def _escape_brackets(pattern: str) -> str:
    return pattern.replace("[", "\\[").replace("]", "\\]")


def has_cleanup_policy(artifact: dict[str, Any]) -> bool:
    """``Artifact.HasCleanupPolicy``; a null manifest is a nil dereference (a panic)."""
    for manifest in artifact["environments"] or ():
        if manifest is None:
            raise GoPanic(NIL_DEREFERENCE)
        if manifest["cleanup"] is not None:
            return True
    return False


def prep_preview(manifest: dict[str, Any] | None, ingress_host: str = "") -> dict[str, Any]:
    """``Manifest.PrepPreview`` on a copy: a preview gets the app ``<app>-{{ .BRANCH | sanitizeDNSName }}``, the
    deploy ``{branch: "!{main,master}", event: push}``, a cleanup, ``values.gitBranch`` and a rewritten ingress
    host. Panics (Gimlet's unchecked assertions) when ``values.ingress`` is not a map or its ``host`` not a string.
    """
    if manifest is None:
        raise GoPanic(NIL_DEREFERENCE)
    result = copy.deepcopy(manifest)
    if result["preview"] is not True:
        return result
    app = result["app"].removesuffix("-preview") + "-{{ .BRANCH | sanitizeDNSName }}"
    result["app"] = app
    if result["values"] is None:
        result["values"] = {}
    values = result["values"]
    values["gitBranch"] = "{{ .BRANCH }}"
    if "ingress" in values:
        ingress = type_assert(values["ingress"], dict, _MAP)
        if "host" in ingress:
            host = type_assert(ingress["host"], str, "string")
            if ingress_host:
                ingress["host"] = app + ingress_host
            elif "." in host:
                ingress["host"] = app + host[host.index(".") :]
    result["deploy"] = {"tag": "", "branch": PREVIEW_BRANCH_POLICY, "event": "push", "commitMessagePatterns": None}
    result["cleanup"] = {"app": app, "event": "branchDeleted", "branch": "*"}
    return result


def extract_image_strategy(manifest: dict[str, Any]) -> str:
    """``gitops.ExtractImageStrategy``: ``static-site`` for onechart's static-site chart, else
    ``values.image.strategy``, else ``dynamic``. Panics when ``values.image`` is present but not a map, or its
    ``strategy`` present but not a string."""
    chart = manifest["chart"]
    if "chart.onechart.dev" in chart["repository"] and chart["name"] == "static-site":
        return "static-site"
    values = manifest["values"] or {}
    if "image" in values:
        image = type_assert(values["image"], dict, _MAP)
        if "strategy" in image:
            return str(type_assert(image["strategy"], str, "string"))
    return "dynamic"


def _describe_version(event: str, branch: str, tag: str) -> str:
    if event == "tag":
        return f"tag {tag!r}" if tag else "a tag event without a tag"
    kind = "pull request from branch" if event == "pr" else "push to branch"
    return f"{kind} {branch!r}" if branch else f"{event} with no branch"


def _tag_step(policy_tag: str, tag: str) -> Decision | None:
    negate = policy_tag.startswith("!")
    exact = policy_tag[1:] if negate else ""  # Gimlet's bug: deploy.branch, which is empty here
    glob = _must_compile(policy_tag, "deployTrigger (deploy.tag)")
    pattern_match = _match(glob, tag, "deployTrigger (deploy.tag)")  # Go calls Match whatever the exact check says
    match = exact == tag or pattern_match
    if negate and match:
        return Decision(
            fires=False, rule="tag-mismatch", reason=f"tag {tag!r} is excluded by deploy.tag {policy_tag!r}"
        )
    if not negate and not match:
        return Decision(
            fires=False, rule="tag-mismatch", reason=f"tag {tag!r} does not match deploy.tag {policy_tag!r}"
        )
    return None


def _tag_quirk(policy_tag: str, tag: str) -> str | None:
    negate = policy_tag.startswith("!")
    body = policy_tag[1:] if negate else policy_tag
    try:
        intended = compile_glob(body).match(tag)
    except (GlobSyntaxError, GlobMatchPanic, GlobBudgetExceeded):
        return None
    if negate and intended and body != tag:
        return (
            f"Gimlet does not negate tag globs: deploy.tag {policy_tag!r} is matched as the glob {policy_tag!r}"
            f" (which no real tag matches) or the exact tag {body!r}, so tag {tag!r} still fires;"
            " only negated literals such as '!v1' work"
        )
    if not negate and not tag and not intended:
        return (
            "Gimlet compares the tag with deploy.branch (empty) by mistake, so a tag event without a tag"
            f" fires deploy.tag {policy_tag!r}"
        )
    return None


def _branch_step(policy_branch: str, branch: str) -> Decision | None:
    negate = policy_branch.startswith("!")
    body = policy_branch[1:] if negate else policy_branch
    glob = _must_compile(body, "deployTrigger (deploy.branch)")
    pattern_match = _match(glob, branch, "deployTrigger (deploy.branch)")
    match = body == branch or pattern_match
    if negate and match:
        return Decision(
            fires=False,
            rule="branch-mismatch",
            reason=f"branch {branch!r} is excluded by deploy.branch {policy_branch!r}",
        )
    if not negate and not match:
        shown = f"branch {branch!r}" if branch else "the artifact has no branch and"
        return Decision(
            fires=False, rule="branch-mismatch", reason=f"{shown} does not match deploy.branch {policy_branch!r}"
        )
    return None


def message_matches(patterns: list[str], message: str) -> bool:
    """``commitMessagePatternMatch``: ``[DEPLOY: ALL]`` anywhere, or any pattern, brackets literal."""
    where = "commitMessagePatternMatch"
    if _match(_must_compile(_escape_brackets(f"*{DEPLOY_ALL_MARKER}*"), where), message, where):
        return True
    return any(_match(_must_compile(_escape_brackets(pattern), where), message, where) for pattern in patterns)


def deploy_trigger(version: dict[str, Any], deploy: dict[str, Any] | None) -> Decision:
    """``deployTrigger(artifact, manifest.Deploy)`` with the reason; raises `GoPanic` where Gimlet panics."""
    if deploy is None:
        return Decision(
            fires=False,
            rule="no-deploy",
            reason="the manifest has no deploy policy, so Gimlet deploys it only on demand;"
            " add deploy: {branch: ..., event: push} to deploy automatically",
        )
    policy_branch, policy_tag, policy_event = deploy["branch"], deploy["tag"], deploy["event"]
    patterns: list[str] = deploy["commitMessagePatterns"] or []
    if not policy_branch and policy_event is None and not policy_tag and not patterns:
        return Decision(
            fires=False,
            rule="empty-policy",
            reason="deploy has no branch, event, tag or commitMessagePatterns, so it never fires; set deploy.event",
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
    branch, tag, event, message = version["branch"], version["tag"], version["event"], version["message"]
    quirk = None
    if policy_tag:
        quirk = _tag_quirk(policy_tag, tag)
        stopped = _tag_step(policy_tag, tag)
        if stopped is not None:
            return attrs.evolve(stopped, quirk=quirk)
    if policy_branch:
        stopped = _branch_step(policy_branch, branch)
        if stopped is not None:
            return stopped
    if policy_event is not None and policy_event != event:
        return Decision(
            fires=False,
            rule="event-mismatch",
            reason=f"the artifact is a {event} event but deploy.event is {policy_event!r}",
        )
    if patterns and not message_matches(patterns, message):
        first_line = message.splitlines()[0] if message else ""
        return Decision(
            fires=False,
            rule="message-mismatch",
            reason=f"commit message {first_line!r} matches none of deploy.commitMessagePatterns {patterns!r}"
            f" (brackets are literal; a message containing {DEPLOY_ALL_MARKER} always matches)",
        )
    parts = [
        text
        for present, text in (
            (policy_tag, f"tag {policy_tag!r}"),
            (policy_branch, f"branch {policy_branch!r}"),
            (policy_event is not None, f"event {policy_event!r}"),
            (patterns, f"commitMessagePatterns {patterns!r}"),
        )
        if present
    ]
    described = _describe_version(event, branch, tag)
    return Decision(fires=True, rule="fires", reason=f"{described} matches deploy {', '.join(parts)}", quirk=quirk)


def cleanup_trigger(branch: str, cleanup: dict[str, Any] | None) -> bool:
    """``cleanupTrigger(deletedBranch, manifest.Cleanup)``, bug included: with a negated policy Gimlet overwrites
    the deleted branch's name with the policy's, so a negated cleanup fires for every deleted branch."""
    if cleanup is None or not cleanup["branch"] or not cleanup["app"]:
        return False
    policy_branch = cleanup["branch"]
    negate = policy_branch.startswith("!")
    if negate:
        branch = policy_branch[1:]
    glob = _must_compile(policy_branch, "cleanupTrigger")
    pattern_match = _match(glob, branch, "cleanupTrigger")
    match = branch == policy_branch or pattern_match
    return (not match) if negate else match

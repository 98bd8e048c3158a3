"""Build the artifact that describes this build, as Gimlet's plugins would, minus their bugs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from gimlet_ci._log import log
from gimlet_ci._models import Artifact, Version
from gimlet_ci._settings import Settings
from gimlet_ci.adapters import CIContext, CommitInfo
from gimlet_ci.adapters._common import common_vars
from gimlet_ci.exceptions import ConfigError


def _common_vars(ctx: CIContext) -> dict[str, str]:
    """REPO, OWNER, BRANCH, TAG, SHA, ACTOR, EVENT and JOB from the context, for a platform (local) that sets none."""
    return common_vars(
        repo=ctx.repository,
        owner=ctx.owner,
        branch=ctx.branch,
        tag=ctx.tag,
        sha=ctx.sha,
        actor=ctx.actor,
        event=ctx.event_name or ctx.event,
        job=ctx.job,
    )


def build_artifact(
    ctx: CIContext,
    settings: Settings,
    *,
    manifests: Sequence[Mapping[str, Any]],
    repo_vars: Mapping[str, str],
    commit: CommitInfo | None,
) -> Artifact:
    """The artifact for *ctx*: version from the context and the commit, manifests, template vars, links.

    Vars, later winning: the platform's variables and REPO, SHA, … (the adapter's, or from the context for the
    local platform); ``.gimlet/vars`` (which the official plugins merge last); then ``--var`` additions, because an
    explicit option wins. ``context`` carries the same vars without ``.gimlet/vars``, as the official CLI's
    ``--var`` does. The CI run is an ``items`` entry ``{"name": "CI", "url": …}`` and ``vars.name``
    / ``vars.url``; each ``--field NAME=URL`` adds one more ``items`` entry.
    """
    if not ctx.repository or not ctx.sha:
        missing = [name for name, value in (("repository", ctx.repository), ("sha", ctx.sha)) if not value]
        msg = f"the {ctx.platform} context has no {' and no '.join(missing)}"
        raise ConfigError(msg, tip="run inside a git checkout, or check the CI variables with `gimlet-ci context`")
    commit = commit or CommitInfo()
    version = Version(
        repository_name=ctx.repository,
        sha=ctx.sha,
        created=commit.created or 0,
        branch=ctx.branch or "",
        event=ctx.event,
        source_branch=ctx.source_branch or "",
        target_branch=ctx.target_branch or "",
        tag=ctx.tag or "",
        author_name=commit.author_name or "",
        author_email=commit.author_email or "",
        committer_name=commit.committer_name or "",
        committer_email=commit.committer_email or "",
        message=(commit.message or "").rstrip("\n"),  # as `$(git log -1 --pretty=%B)` sent it
        url=ctx.url or "",
    )
    context_vars: dict[str, str] = dict(ctx.vars) if ctx.vars else _common_vars(ctx)
    context_vars.update(settings.vars)
    items: list[dict[str, str]] = []
    link_vars: dict[str, str] = {}
    if ctx.ci_url:
        items.append({"name": "CI", "url": ctx.ci_url})
        link_vars = {"name": "CI", "url": ctx.ci_url}
    items.extend({"name": name, "url": url} for name, url in settings.fields)
    all_vars = {**context_vars, **link_vars, **repo_vars}
    all_vars.update(settings.vars)
    if guarded := settings.guarded_token:
        # A second line of defence behind the secret-name rule: no variable may carry the token's value.
        leaked = sorted(name for name, value in all_vars.items() if guarded in value)
        for name in leaked:
            log.warning("gimlet_ci.secret_var_dropped", name=name)
            all_vars.pop(name)
            context_vars.pop(name, None)
    return Artifact(
        version=version,
        context=dict(sorted(context_vars.items())),
        environments=tuple(manifests),
        items=tuple(items),
        vars=dict(sorted(all_vars.items())),
    )


def resolve_commit(ctx: CIContext, checkout: Path) -> CommitInfo | None:
    """Commit metadata: ``git log`` of the built commit when the clone has it, else what the platform says."""
    from gimlet_ci._git import commit_info  # noqa: PLC0415 - keeps git out of cheap paths

    if ctx.sha:
        found = commit_info(ctx.sha, checkout)
        if found is not None:
            return found[1]
    if ctx.commit is not None:
        return ctx.commit
    head = commit_info("HEAD", checkout)
    if head is not None:
        log.warning("gimlet_ci.commit_not_in_clone", sha=ctx.sha, used=head[0])
        return head[1]
    log.warning("gimlet_ci.no_commit_metadata", sha=ctx.sha)
    return None

"""Commit metadata from git: the only place gimlet-ci starts a process."""

from __future__ import annotations

import subprocess
from pathlib import Path

import attrs

from gimlet_ci.adapters import CIContext, CommitInfo

_FORMAT = "%H%x00%an%x00%ae%x00%cn%x00%ce%x00%ct%x00%B"
_FIELDS = 7


def _git(args: list[str], cwd: Path) -> str | None:
    try:
        done = subprocess.run(
            ["git", *args],
            cwd=cwd,
            capture_output=True,
            check=False,
            timeout=30,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if done.returncode != 0:
        return None
    return done.stdout.decode("utf-8", errors="replace")


def commit_info(rev: str, cwd: Path) -> tuple[str, CommitInfo] | None:
    """Message, author, committer and committer date of *rev* with one ``git log -1``; None if git cannot tell."""
    out = _git(["log", "-1", f"--format={_FORMAT}", rev, "--"], cwd)
    if not out:
        return None
    parts = out.split("\x00", 6)
    if len(parts) != _FIELDS:  # pragma: no cover - git always prints every field
        return None
    sha, an, ae, cn, ce, ct, message = parts
    # git adds one newline after %B; the message itself is kept whole.
    message = message.removesuffix("\n")
    return sha, CommitInfo(
        message=message,
        author_name=an,
        author_email=ae,
        committer_name=cn,
        committer_email=ce,
        created=int(ct) if ct.strip().isdigit() else None,
    )


def _slug_from_remote(url: str) -> str | None:
    url = url.strip().removesuffix("/").removesuffix(".git")
    if "://" in url:
        path = url.split("://", 1)[1].split("/", 1)[1] if "/" in url.split("://", 1)[1] else ""
    elif ":" in url:
        path = url.split(":", 1)[1]
    else:
        path = url
    path = path.strip("/")
    return path if "/" in path else None


def local_context(ctx: CIContext, cwd: Path) -> CIContext:
    """Fill what a run outside CI leaves empty from the checkout: sha, branch, tag, repository."""
    head = _git(["rev-parse", "HEAD"], cwd)
    if head is None:
        return ctx
    sha = ctx.sha or head.strip()
    branch = ctx.branch
    tag = ctx.tag
    if branch is None and tag is None:
        name = (_git(["symbolic-ref", "--short", "-q", "HEAD"], cwd) or "").strip()
        branch = name or None
        tags = (_git(["tag", "--points-at", "HEAD"], cwd) or "").split()
        if not branch and tags:
            tag = tags[0]
    repository = ctx.repository
    if repository is None:
        remote = _git(["config", "--get", "remote.origin.url"], cwd)
        repository = _slug_from_remote(remote) if remote else None
        if repository is None:
            repository = f"local/{cwd.resolve().name}"
    owner = ctx.owner or repository.rsplit("/", 1)[0]
    event = "tag" if tag and not branch else ctx.event
    return attrs.evolve(
        ctx,
        sha=sha,
        branch=branch,
        tag=tag,
        event=event,
        event_name=ctx.event_name or event,
        repository=repository,
        owner=owner,
    )

"""Commit metadata from git: the only place gimlet-ci starts a process.

For the local platform's context (sha, branch, origin), the common layouts of ``.git`` are read directly: two git
processes cost ``gimlet-ci context`` more than its whole start-up budget. Anything unusual (a detached HEAD,
config includes, a missing ref) falls back to asking git itself.
"""

from __future__ import annotations

import os
import re

from gimlet_ci.adapters import CIContext, CommitInfo
from gimlet_ci.exceptions import ConfigError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pathlib import Path

_FORMAT = "%H%x00%an%x00%ae%x00%cn%x00%ce%x00%ct%x00%B"
_FIELDS = 7
_REV = re.compile(r"[0-9a-fA-F]{4,64}")


def _git(args: list[str], cwd: str | Path) -> str | None:
    import subprocess  # noqa: PLC0415 - not needed where .git is read directly

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


def commit_info(rev: str, cwd: str | Path) -> tuple[str, CommitInfo] | None:
    """Message, author, committer and committer date of *rev* with one ``git log -1``; None if git cannot tell."""
    if rev != "HEAD" and not _REV.fullmatch(rev):
        return None  # a "sha" from the environment that is not hex could be read by git as an option
    out = _git(["log", "-1", f"--format={_FORMAT}", "--end-of-options", rev, "--"], cwd)
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


_GIT_FILE_LIMIT = 64 * 1024 * 1024
"""A ``.git`` file, ``HEAD``, ``config`` or ``packed-refs`` of a checkout (the last can be tens of MiB in a big
repository); a FIFO or device is not read at all."""


def _read(path: str) -> str | None:
    from gimlet_ci._files import read_regular  # noqa: PLC0415 - a small module, on first use

    try:
        return read_regular(path, limit=_GIT_FILE_LIMIT).decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def _git_dirs(cwd: str | Path) -> tuple[str, str] | None:
    """The git dir and the common dir (they differ in worktrees) of the checkout around *cwd*."""
    here = os.path.realpath(cwd)
    while True:
        dot_git = os.path.join(here, ".git")  # noqa: PTH118
        if os.path.isdir(dot_git):  # noqa: PTH112
            git_dir = dot_git
            break
        text = _read(dot_git)
        if text is not None:
            if not text.startswith("gitdir:"):
                return None
            git_dir = os.path.normpath(os.path.join(here, text[len("gitdir:") :].strip()))  # noqa: PTH118
            break
        parent = os.path.dirname(here)  # noqa: PTH120
        if parent == here:
            return None
        here = parent
    common = _read(os.path.join(git_dir, "commondir"))  # noqa: PTH118
    common_dir = os.path.normpath(os.path.join(git_dir, common.strip())) if common else git_dir  # noqa: PTH118
    return git_dir, common_dir


_SHA = re.compile(r"^[0-9a-f]{40}(?:[0-9a-f]{24})?$")


def _ref(dirs: tuple[str, str], ref: str) -> str | None:
    for base in dict.fromkeys(dirs):
        text = _read(os.path.join(base, ref))  # noqa: PTH118
        if text is not None and _SHA.match(text.strip()):
            return text.strip()
    packed = _read(os.path.join(dirs[1], "packed-refs")) or ""  # noqa: PTH118
    for line in packed.splitlines():
        sha, _, name = line.partition(" ")
        if name == ref and _SHA.match(sha):
            return sha
    return None


def _origin_url(common_dir: str) -> str | None:
    """``remote.origin.url`` from a plain config file; None where includes or odd syntax need git itself."""
    config = _read(os.path.join(common_dir, "config"))  # noqa: PTH118
    if config is None or "[include" in config.lower():
        return None
    section = None
    for raw in config.splitlines():
        line = raw.strip()
        if line.startswith("["):
            section = line.lower().replace(" ", "")
        elif section == '[remote"origin"]' and "=" in line:
            key, _, value = line.partition("=")
            if key.strip().lower() == "url":
                value = value.strip()
                return None if value.startswith('"') or "\\" in value or ";" in value or "#" in value else value
    return ""


def _head(cwd: str | Path) -> tuple[str, str | None, str | None] | None:
    """(sha, branch or None when detached, origin URL or None when unknown) read from ``.git``; None to ask git."""
    dirs = _git_dirs(cwd)
    if dirs is None:
        return None
    head = (_read(os.path.join(dirs[0], "HEAD")) or "").strip()  # noqa: PTH118
    if head.startswith("ref: refs/heads/"):
        sha = _ref(dirs, head[len("ref: ") :])
        branch: str | None = head[len("ref: refs/heads/") :]
    else:
        sha, branch = (head, None) if _SHA.match(head) else (None, None)
    if sha is None:
        return None
    return sha, branch, _origin_url(dirs[1])


def completed_from_git(ctx: CIContext, cwd: str | Path) -> CIContext:
    """Fill what a run outside CI leaves empty from the checkout: sha, branch, tag, repository."""
    read = _head(cwd)
    if read is not None:
        commit, name, remote = read
    else:
        # One process for the commit and the branch (`HEAD` when detached).
        head = _git(["rev-parse", "HEAD", "--abbrev-ref", "HEAD"], cwd)
        if head is None:
            return ctx
        commit, _, name = head.strip().partition("\n")
        remote = None
    sha = ctx.sha or commit
    branch = ctx.branch
    tag = ctx.tag
    if branch is None and tag is None:
        branch = name if name and name != "HEAD" else None
        if branch is None:
            tags = (_git(["tag", "--points-at", "HEAD"], cwd) or "").split()
            tag = tags[0] if tags else None
    repository = ctx.repository
    if repository is None:
        if remote is None:
            remote = _git(["config", "--get", "remote.origin.url"], cwd)
        repository = _slug_from_remote(remote) if remote else None
        if repository is None:
            repository = f"local/{os.path.basename(os.path.realpath(cwd))}"  # noqa: PTH119 - no pathlib at start-up
    owner = ctx.owner or repository.rsplit("/", 1)[0]
    event = "tag" if tag and not branch else ctx.event
    return ctx.evolve(
        sha=sha,
        branch=branch,
        tag=tag,
        event=event,
        event_name=ctx.event_name or event,
        repository=repository,
        owner=owner,
    )


def local_context(path: str | Path = ".") -> CIContext:
    """The context of the git checkout at *path*, as ``gimlet-ci --platform local context`` reads it: the commit
    (``HEAD``) with its author, committer, date and message, the branch (or the tag, on a detached HEAD), and the
    repository from ``origin`` (``local/<folder>`` without one).

    Raises `ConfigError` when *path* is no folder, not in a git checkout, or in a repository with no commit yet.
    """
    ctx = completed_from_git(CIContext(platform="local"), path)
    if not ctx.sha:
        message, tip = no_commit_reason(path)
        raise ConfigError(message, tip=tip)
    found = commit_info(ctx.sha, path)
    return ctx.evolve(commit=found[1] if found is not None else None)


def no_commit_reason(cwd: str | Path) -> tuple[str, str]:
    """Why git gave no commit for *cwd*, and what to do: (message, tip)."""
    where = os.fspath(cwd)
    if not os.path.isdir(where):  # noqa: PTH112 - no pathlib at start-up
        return f"{where!r} is not a folder", "pass the folder of the checkout (-C DIR)"
    if _git_dirs(where) is None and _git(["rev-parse", "--git-dir"], where) is None:
        return (
            f"{where} is not in a git checkout, and the CI named no commit",
            "run inside a git checkout, or check the CI variables with `gimlet-ci context`",
        )
    return f"the git repository at {where} has no commit yet", "commit first: an artifact describes one commit"

"""The local platform: what git says when no CI does."""

from __future__ import annotations

from pathlib import Path

from gimlet_ci._git import commit_info, completed_from_git
from gimlet_ci.adapters import CIContext
from tests.helpers import HOSTILE_MESSAGE, git, make_repo

LOCAL = CIContext(platform="local")


def test_branch_sha_and_repository_from_the_checkout(tmp_path: Path) -> None:
    """On a branch: sha, branch, push, and owner/name from the origin remote."""
    repo = make_repo(tmp_path, branch="feature/x")
    ctx = completed_from_git(LOCAL, repo)

    assert (git(repo, "rev-parse", "HEAD"), "feature/x", None, "push", "acme/shop", "acme") == (
        ctx.sha,
        ctx.branch,
        ctx.tag,
        ctx.event,
        ctx.repository,
        ctx.owner,
    )


def test_detached_head_on_a_tag_is_a_tag_event(tmp_path: Path) -> None:
    """A detached checkout of a tag has no branch and event tag."""
    repo = make_repo(tmp_path)
    git(repo, "tag", "v1.2.0")
    git(repo, "checkout", "-q", "--detach")
    ctx = completed_from_git(LOCAL, repo)

    assert (None, "v1.2.0", "tag") == (ctx.branch, ctx.tag, ctx.event)


def test_no_remote_names_the_repository_after_the_folder(tmp_path: Path) -> None:
    """Without an origin remote the repository is local/<folder>."""
    repo = make_repo(tmp_path)
    git(repo, "remote", "remove", "origin")

    assert "local/checkout" == completed_from_git(LOCAL, repo).repository


def test_not_a_checkout_leaves_the_context_as_it_was(tmp_path: Path) -> None:
    """Outside git nothing is filled in (the caller then reports what is missing)."""
    assert LOCAL == completed_from_git(LOCAL, tmp_path)


def test_commit_info_keeps_the_whole_message(tmp_path: Path) -> None:
    """One `git log -1` gives the message byte for byte, author, committer and the committer date."""
    repo = make_repo(tmp_path)
    sha, info = commit_info("HEAD", repo) or ("", None)

    assert info is not None
    assert git(repo, "rev-parse", "HEAD") == sha
    assert (HOSTILE_MESSAGE, "Ada Lovelace", "ada@example.com", 1704164645) == (
        info.message,
        info.author_name,
        info.committer_email,
        info.created,
    )


def test_unknown_revision_is_none(tmp_path: Path) -> None:
    """A commit the clone does not have gives None, not an error."""
    assert commit_info("0" * 40, make_repo(tmp_path)) is None


def test_packed_refs_and_worktrees_read_like_git(tmp_path: Path) -> None:
    """Reading .git directly agrees with git for packed refs and for a linked worktree on another branch."""
    repo = make_repo(tmp_path)
    git(repo, "pack-refs", "--all")
    assert (git(repo, "rev-parse", "HEAD"), "main") == (
        completed_from_git(LOCAL, repo).sha,
        completed_from_git(LOCAL, repo).branch,
    )

    git(repo, "worktree", "add", "-q", "-b", "side", str(tmp_path / "wt"))
    ctx = completed_from_git(LOCAL, tmp_path / "wt" / ".gimlet")

    assert (git(repo, "rev-parse", "side"), "side", "acme/shop") == (ctx.sha, ctx.branch, ctx.repository)


def test_config_with_includes_asks_git(tmp_path: Path) -> None:
    """A config that includes another file is left to git, which follows the include."""
    repo = make_repo(tmp_path)
    git(repo, "remote", "remove", "origin")
    (tmp_path / "extra.cfg").write_text('[remote "origin"]\n\turl = https://github.com/other/repo.git\n')
    git(repo, "config", "include.path", str(tmp_path / "extra.cfg"))

    assert "other/repo" == completed_from_git(LOCAL, repo).repository


def test_a_repository_without_commits_fills_nothing(tmp_path: Path) -> None:
    """An unborn branch has no sha: the context stays as it was."""
    git_dir = tmp_path / "empty"
    git_dir.mkdir()
    git(git_dir, "init", "-q")

    assert LOCAL == completed_from_git(LOCAL, git_dir)


def test_a_sha_that_looks_like_an_option_never_reaches_git(tmp_path: Path) -> None:
    """A hostile GITHUB_SHA such as --output=FILE is not passed to git (no file is written)."""
    repo = make_repo(tmp_path)
    target = tmp_path / "pwned"

    assert commit_info(f"--output={target}", repo) is None
    assert not target.exists()

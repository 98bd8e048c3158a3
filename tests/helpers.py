"""Helpers shared by the CLI and flow tests: a temporary git checkout with Gimlet manifests."""

from __future__ import annotations

import subprocess
from pathlib import Path

STAGING = """\
app: shop
env: staging
namespace: default
deploy:
  branch: main
  event: push
chart:
  name: onechart
  repository: https://chart.onechart.dev
  version: 0.73.0
values:
  image:
    repository: registry.example.com/shop
    tag: "{{ .SHA }}"
"""

PRODUCTION = """\
app: shop
env: production
namespace: default
chart:
  name: onechart
values:
  replicas: 2
  enabled: yes
"""

HOSTILE_MESSAGE = 'Fix "quotes" & $(rm -rf /) `ticks`\n\n--var X=1 ; ünïcode 🚀\n\ttab and trailing spaces   \n%s %d'


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True).stdout.strip()


def github_push_env(repo: Path, *, output: Path, summary: Path, **extra: str) -> dict[str, str]:
    """GitHub Actions' variables for a push of *repo*'s HEAD to main of acme/shop, writing its outputs to *output*
    and its step summary to *summary*; *extra* adds or replaces variables."""
    return {
        "GITHUB_ACTIONS": "true",
        "GITHUB_REPOSITORY": "acme/shop",
        "GITHUB_SHA": git(repo, "rev-parse", "HEAD"),
        "GITHUB_REF": "refs/heads/main",
        "GITHUB_EVENT_NAME": "push",
        "GITHUB_SERVER_URL": "https://github.com",
        "GITHUB_OUTPUT": str(output),
        "GITHUB_STEP_SUMMARY": str(summary),
        **extra,
    }


def make_repo(
    root: Path,
    *,
    manifests: dict[str, str] | None = None,
    message: str = HOSTILE_MESSAGE,
    branch: str = "main",
) -> Path:
    """A git checkout on *branch* with `.gimlet/` manifests and one commit whose message is *message*."""
    repo = root / "checkout"
    (repo / ".gimlet").mkdir(parents=True)
    for name, text in (
        manifests if manifests is not None else {"staging.yaml": STAGING, "production.yaml": PRODUCTION}
    ).items():
        (repo / ".gimlet" / name).write_text(text)
    git(repo, "init", "-q", "-b", branch)
    git(repo, "config", "user.name", "Ada Lovelace")
    git(repo, "config", "user.email", "ada@example.com")
    git(repo, "remote", "add", "origin", "git@github.com:acme/shop.git")
    git(repo, "add", "-A")
    env_date = {
        "GIT_COMMITTER_DATE": "2024-01-02T03:04:05+00:00",
        "GIT_AUTHOR_DATE": "2024-01-01T00:00:00+00:00",
    }
    subprocess.run(
        ["git", "commit", "-q", "--cleanup=verbatim", "-F", "-"],
        cwd=repo,
        input=message,
        text=True,
        check=True,
        env={"PATH": "/usr/bin:/bin:/usr/local/bin", "HOME": str(root), **env_date},
    )
    return repo


OFFICIAL_SAMPLES = {
    "wait": "true",
    "deploy": "true",
    "env": "staging",
    "app": "my-app",
    "timeout": "5m",
    "debug": "true",
}
"""A value for each input every official plugin has, by its official name (``debug`` is the dry run)."""


def packaged_inputs(platform: str) -> dict[str, str]:
    """What the settings declare that *platform*'s packaging has: input id (action input, orb parameter, Woodpecker
    setting) -> its default as a user writes it."""
    from gimlet_ci._settings import SETTINGS  # noqa: PLC0415 - helpers for the CLI tests import nothing heavy

    return {
        inputs.packaged: declaration.written_default
        for declaration in SETTINGS
        for inputs in declaration.inputs
        if inputs.platform == platform and inputs.packaged is not None
    }

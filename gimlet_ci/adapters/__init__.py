"""Which CI am I on? One pure module per platform, and the context they all produce.

Each adapter module (``gimlet_ci.adapters.<name>``) provides:

- ``NAME``: the ``--platform`` value;
- ``detect(env) -> bool``: whether *env* is this platform's;
- ``context(env, read_file) -> CIContext``: the normalised context; *read_file* reads a path to
  bytes (for GitHub's event payload) and may raise ``OSError``;
- ``inputs(env) -> dict[str, InputValue]``: the platform's own input naming (``INPUT_*``,
  ``PLUGIN_*``, ``PARAM_*``) mapped to canonical setting names (see ``SETTING_NAMES``), each with
  the variable it came from;
- ``outputs(env, outcome) -> PlatformOutputs`` (optional): what to write to the platform's output
  files and logs;
- ``startup_lines(env, secrets) -> tuple[str, ...]`` (optional): log lines to print before anything
  else (GitHub's ``::add-mask::``).

Adapters never read ``os.environ``, start processes or touch the network: the CLI passes
everything in.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Literal

import attrs

from gimlet_ci.exceptions import UnknownPlatformError

if TYPE_CHECKING:
    from types import ModuleType

__all__ = [
    "ADAPTERS",
    "SETTING_NAMES",
    "CIContext",
    "CommitInfo",
    "Event",
    "InputValue",
    "PlatformOutputs",
    "ReadFile",
    "adapter_by_name",
    "detect_adapter",
    "is_secret_name",
    "platform_vars",
]

Event = Literal["push", "pr", "tag"]
ReadFile = Callable[[str], bytes]
InputValue = tuple[str, str]
"""(the variable it came from, its raw value)."""

SETTING_NAMES = (
    "server",
    "token",
    "wait",
    "deploy",
    "env",
    "app",
    "timeout",
    "dry_run",
    "fields",
    "manifests",
    "ca_bundle",
)
"""Canonical setting names an adapter's ``inputs()`` may return."""

ADAPTERS = (
    "github",
    "circleci",
    "woodpecker",
    "gitlab",
    "drone",
    "bitbucket",
    "buildkite",
    "azure",
    "travis",
    "jenkins",
    "local",
)
"""Detection order: the first module whose ``detect()`` is true wins; ``local`` (git) is last."""


@attrs.frozen(kw_only=True)
class CommitInfo:
    """Commit metadata a platform knows without git (used when the commit is not in the clone)."""

    message: str | None = None
    author_name: str | None = None
    author_email: str | None = None
    committer_name: str | None = None
    committer_email: str | None = None
    created: int | None = None
    """Commit time, Unix seconds."""


@attrs.frozen(kw_only=True)
class CIContext:
    """The normalised CI context of one run; ``None`` means the platform does not say."""

    platform: str
    repository: str | None = None
    """``owner/name`` slug (GitLab: may contain subgroups)."""
    owner: str | None = None
    sha: str | None = None
    """The commit the artifact describes: a PR's head, never a test-merge commit."""
    branch: str | None = None
    """Branch built; on PRs the head branch; never a ref, never a tag."""
    event: Event = "push"
    event_name: str | None = None
    """The platform's raw event name."""
    tag: str | None = None
    source_branch: str | None = None
    target_branch: str | None = None
    pr_number: int | None = None
    url: str | None = None
    """Commit page, or the PR page for PRs."""
    ci_url: str | None = None
    """This run's page."""
    actor: str | None = None
    job: str | None = None
    vars: Mapping[str, str] = attrs.field(factory=dict)
    """Template vars the platform contributes (its own variables minus secrets, REPO, SHA, …)."""
    commit: CommitInfo | None = None
    warnings: tuple[str, ...] = ()
    """Things the adapter could not read (a broken event file, say), for the log."""

    def as_json(self) -> dict[str, object]:
        """The keys of ``gimlet-ci context --output json``."""
        return {
            "platform": self.platform,
            "repository": self.repository,
            "owner": self.owner,
            "sha": self.sha,
            "branch": self.branch,
            "event": self.event,
            "event_name": self.event_name,
            "tag": self.tag,
            "source_branch": self.source_branch,
            "target_branch": self.target_branch,
            "pr_number": self.pr_number,
            "url": self.url,
            "ci_url": self.ci_url,
            "actor": self.actor,
            "job": self.job,
        }


@attrs.frozen(kw_only=True)
class PlatformOutputs:
    """What an adapter asks the CLI to write; computed purely, written by the CLI."""

    files: tuple[tuple[str, str], ...] = ()
    """(path, text to append) pairs: ``$GITHUB_OUTPUT``, ``$GITHUB_STEP_SUMMARY``, ``$BASH_ENV``."""
    log_lines: tuple[str, ...] = ()
    """Lines for the CI log (stderr), e.g. ``::error::`` annotations."""


_SECRET_WORDS = re.compile(
    r"TOKEN|SECRET|PASSWORD|PASSWD|PASSPHRASE|CREDENTIAL|PRIVATE|OIDC|JWT|COOKIE|SESSION|APIKEY"
    r"|(?:^|_)(?:KEY|PAT|AUTH)(?:$|_)",
)
_SECRET_PREFIXES = ("ACTIONS_", "GIMLET_", "INPUT_", "PLUGIN_", "PARAM_")
_URL_WITH_CREDENTIALS = re.compile(r"://(?!git@)[^/@\s]+@")


def is_secret_name(name: str) -> bool:
    """True for variable names that may hold credentials; such variables never become template vars.

    The secret rule for template vars (the official plugins copied every variable whose name merely
    contained ``GITHUB``/``CIRCLE``/``CI_``, and so stored ``GITHUB_TOKEN``, ``MY_GITHUB_PAT`` or
    ``CIRCLE_OIDC_TOKEN`` in Gimlet, bug B2). A variable is left out when:

    - its upper-cased name contains ``TOKEN``, ``SECRET``, ``PASSWORD``, ``PASSWD``, ``PASSPHRASE``,
      ``CREDENTIAL``, ``PRIVATE``, ``OIDC``, ``JWT``, ``COOKIE``, ``SESSION`` or ``APIKEY``
      (``GITHUB_TOKEN``, ``CI_JOB_TOKEN``, ``CIRCLE_OIDC_TOKEN_V2``, ``CI_JOB_JWT``,
      ``CI_REGISTRY_PASSWORD``);
    - or has ``KEY``, ``PAT`` or ``AUTH`` as a ``_``-separated word (``API_KEY``, ``KEY_ID``,
      ``MY_GITHUB_PAT``, ``DOCKER_AUTH_CONFIG``; not ``GITHUB_PATH`` or ``CI_COMMIT_AUTHOR``);
    - or starts with ``ACTIONS_`` (runner internals such as ``ACTIONS_RUNTIME_TOKEN``,
      ``ACTIONS_ID_TOKEN_REQUEST_URL``) or with one of our own input prefixes ``GIMLET_``,
      ``INPUT_``, ``PLUGIN_``, ``PARAM_`` (settings, credentials included, are not template vars);
    - or, checked by `platform_vars` on the value, it holds a URL with credentials
      (``https://user:pass@…``, ``https://<token>@…``; GitLab's ``CI_REPOSITORY_URL``), except the
      plain ``ssh://git@host/…`` form.

    A deny-list cannot know every name a user invents: the rule errs on the side of dropping.
    """
    upper = name.upper()
    return upper.startswith(_SECRET_PREFIXES) or bool(_SECRET_WORDS.search(upper))


def platform_vars(env: Mapping[str, str], *, contains: str) -> dict[str, str]:
    """The platform's own variables as template vars, as the official plugins copy them.

    Every variable whose name contains *contains* (``GITHUB``, ``CIRCLE``, ``CI_``), with values
    kept exactly (spaces included), empty values skipped, and anything that looks like a secret
    left out: by name (`is_secret_name`) or by value (a URL with credentials).
    """
    return {
        name: value
        for name, value in sorted(env.items())
        if contains in name and value and not is_secret_name(name) and not _URL_WITH_CREDENTIALS.search(value)
    }


def adapter_by_name(name: str) -> ModuleType:
    """The adapter module for a ``--platform`` value."""
    if name not in ADAPTERS:
        msg = f"--platform {name!r} is not a supported platform"
        raise UnknownPlatformError(msg, tip=f"use auto or one of: {', '.join(ADAPTERS)}")
    return importlib.import_module(f"gimlet_ci.adapters.{name}")


def detect_adapter(env: Mapping[str, str]) -> ModuleType:
    """The first module of ``ADAPTERS`` whose ``detect(env)`` is true; ``local`` always is."""
    for name in ADAPTERS:
        module = adapter_by_name(name)
        if module.detect(env):
            return module
    return adapter_by_name("local")  # pragma: no cover - local.detect() is always true

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
from collections.abc import Mapping

from gimlet_ci.adapters._context import CIContext, CommitInfo, Event, InputValue, PlatformOutputs, ReadFile
from gimlet_ci.exceptions import UnknownPlatformError

TYPE_CHECKING = False
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

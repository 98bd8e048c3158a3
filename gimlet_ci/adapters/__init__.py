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
from collections.abc import Mapping

from gimlet_ci.adapters._common import is_secret_name, platform_vars
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

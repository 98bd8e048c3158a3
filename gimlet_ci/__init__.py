"""gimlet-ci: ship Gimlet artifacts from any CI, wait for their deploys, or release on demand.

The public API::

    from gimlet_ci import connect, load_settings, prepare, ship

The CLI (``gimlet-ci``) is a thin layer over these; see the API reference for a complete example.

``import gimlet_ci`` imports none of them: each public name is imported on first use (`_LAZY` says from where), so
that ``gimlet-ci --version`` and ``gimlet-ci context`` start fast. The type checker reads the same names from the
imports under ``TYPE_CHECKING`` below, so every public name is fully typed and a misspelt one is an error.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from gimlet_ci._artifact import build_artifact
    from gimlet_ci._client import GimletClient, build_client, connect
    from gimlet_ci._flows import Prepared, prepare, release, rollback, ship, track
    from gimlet_ci._git import local_context
    from gimlet_ci._models import Artifact, DeployOutcome, Outcome, Version
    from gimlet_ci._retry import Deadline, PollSchedule, RetryPolicy, Timing
    from gimlet_ci._settings import Settings, load_settings
    from gimlet_ci._version import __version__ as __version__
    from gimlet_ci.adapters import CIContext, detect_adapter

__all__ = [
    "Artifact",
    "CIContext",
    "Deadline",
    "DeployOutcome",
    "GimletClient",
    "Outcome",
    "PollSchedule",
    "Prepared",
    "RetryPolicy",
    "Settings",
    "Timing",
    "Version",
    "build_artifact",
    "build_client",
    "connect",
    "detect_adapter",
    "load_settings",
    "local_context",
    "prepare",
    "release",
    "rollback",
    "ship",
    "track",
]

_LAZY = {
    "gimlet_ci._artifact": ("build_artifact",),
    "gimlet_ci._client": ("GimletClient", "build_client", "connect"),
    "gimlet_ci._flows": ("Prepared", "prepare", "release", "rollback", "ship", "track"),
    "gimlet_ci._git": ("local_context",),
    "gimlet_ci._models": ("Artifact", "DeployOutcome", "Outcome", "Version"),
    "gimlet_ci._retry": ("Deadline", "PollSchedule", "RetryPolicy", "Timing"),
    "gimlet_ci._settings": ("Settings", "load_settings"),
    "gimlet_ci._version": ("__version__",),
    "gimlet_ci.adapters": ("CIContext", "detect_adapter"),
}
"""Where each public name lives, exactly as the ``TYPE_CHECKING`` imports say (a test holds them equal)."""

_MODULE_OF = {name: module for module, names in _LAZY.items() for name in names}


def _lazy(name: str) -> object:
    """Import the public *name* on first use; every later access finds it in the module's globals."""
    module = _MODULE_OF.get(name)
    if module is None:
        msg = f"module 'gimlet_ci' has no attribute {name!r}"
        raise AttributeError(msg)
    import importlib  # noqa: PLC0415 - off the start-up path

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


if not TYPE_CHECKING:  # for the type checker the names above are plain imports
    __getattr__ = _lazy


def __dir__() -> list[str]:
    return sorted([*__all__, "__version__"])

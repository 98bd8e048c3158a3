"""gimlet-ci: ship Gimlet artifacts from any CI, wait for their deploys, or release on demand.

The public API::

    from gimlet_ci import Deadline, build_client, load_settings, prepare, ship

The CLI (``gimlet-ci``) is a thin layer over these; see the API reference for a complete example.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

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
    "detect_adapter",
    "load_settings",
    "prepare",
    "release",
    "rollback",
    "ship",
    "track",
]

_LAZY = {
    "Artifact": "gimlet_ci._models",
    "Version": "gimlet_ci._models",
    "Outcome": "gimlet_ci._models",
    "DeployOutcome": "gimlet_ci._models",
    "CIContext": "gimlet_ci.adapters",
    "detect_adapter": "gimlet_ci.adapters",
    "Settings": "gimlet_ci._settings",
    "load_settings": "gimlet_ci._settings",
    "build_artifact": "gimlet_ci._artifact",
    "GimletClient": "gimlet_ci._client",
    "build_client": "gimlet_ci._client",
    "Deadline": "gimlet_ci._retry",
    "PollSchedule": "gimlet_ci._retry",
    "RetryPolicy": "gimlet_ci._retry",
    "Timing": "gimlet_ci._retry",
    "Prepared": "gimlet_ci._flows",
    "prepare": "gimlet_ci._flows",
    "ship": "gimlet_ci._flows",
    "track": "gimlet_ci._flows",
    "release": "gimlet_ci._flows",
    "rollback": "gimlet_ci._flows",
}


def __getattr__(name: str) -> Any:
    """Import public names on first use, so that ``import gimlet_ci`` stays cheap; ``__version__`` from metadata."""
    if name == "__version__":
        from gimlet_ci._version import __version__  # noqa: PLC0415

        return __version__
    module = _LAZY.get(name)
    if module is None:
        msg = f"module 'gimlet_ci' has no attribute {name!r}"
        raise AttributeError(msg)
    import importlib  # noqa: PLC0415

    return getattr(importlib.import_module(module), name)


def __dir__() -> list[str]:
    return sorted([*__all__, "__version__"])

"""No CI: a developer's machine, or a CI gimlet-ci does not know.

Always detected (it is last in ``ADAPTERS``). The context only names the platform: the core fills
repository, SHA, branch and commit metadata from git, because adapters never start processes.
"""

from __future__ import annotations

from gimlet_ci.adapters import CIContext, InputValue, ReadFile

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping

NAME = "local"


def detect(env: Mapping[str, str]) -> bool:  # noqa: ARG001
    """Always true: the catch-all."""
    return True


def context(env: Mapping[str, str], read_file: ReadFile) -> CIContext:  # noqa: ARG001
    """``platform="local"`` and nothing else."""
    return CIContext(platform=NAME)


def inputs(env: Mapping[str, str]) -> dict[str, InputValue]:  # noqa: ARG001
    """No input naming: settings come from ``GIMLET_*`` and options."""
    return {}

"""No CI: a developer's machine, or a CI gimlet-ci does not know.

Always detected (it is last in ``ADAPTERS``). The context only names the platform: the core fills
repository, SHA, branch and commit metadata from git, because adapters never start processes.
"""

from __future__ import annotations

from collections.abc import Mapping

from gimlet_ci.adapters._common import SET_SECRETS_TIP, no_annotations, no_inputs, no_outputs, no_startup_lines
from gimlet_ci.adapters._context import CIContext, ReadFile

NAME = "local"
MISSING_SECRETS_TIP = SET_SECRETS_TIP


def detect(env: Mapping[str, str]) -> bool:  # noqa: ARG001
    """Always true: the catch-all."""
    return True


def context(env: Mapping[str, str], read_file: ReadFile) -> CIContext:  # noqa: ARG001
    """``platform="local"`` and nothing else."""
    return CIContext(platform=NAME)


# No input naming: settings come from GIMLET_* and options.
inputs = no_inputs
outputs = no_outputs
startup_lines = no_startup_lines
annotate = no_annotations

"""Which CI am I on? One pure module per platform, the context they all produce, and the registry that picks one.

Each platform module (``gimlet_ci.adapters.<name>``) is an `Adapter` (see ``_protocol.py``): ``NAME``,
``detect(env)``, ``context(env, read_file)``, ``inputs(env)``, ``outputs(env, outcome)``, ``startup_lines(env,
secrets)`` and ``MISSING_SECRETS_TIP``. `REGISTRY` lists them in detection order, and the type checker holds each
module to the protocol there; `detect_adapter` walks it and `adapter_by_name` serves ``--platform``.

Adapters never read ``os.environ``, start processes or touch the network: the CLI passes everything in.
"""

from __future__ import annotations

from collections.abc import Mapping

from gimlet_ci.adapters import (
    azure,
    bitbucket,
    buildkite,
    circleci,
    drone,
    github,
    gitlab,
    jenkins,
    local,
    travis,
    woodpecker,
)
from gimlet_ci.adapters._common import is_secret_name, platform_vars
from gimlet_ci.adapters._context import CIContext, CommitInfo, Event, InputValue, PlatformOutputs, ReadFile
from gimlet_ci.exceptions import UnknownPlatformError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from gimlet_ci.adapters._protocol import Adapter

    SETTING_NAMES: tuple[str, ...]
    """The canonical setting names (an adapter's ``inputs()`` returns some of them), in the order of
    ``gimlet_ci._settings.SETTINGS``."""

__all__ = [
    "ADAPTERS",
    "REGISTRY",
    "SETTING_NAMES",
    "Adapter",
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

REGISTRY: tuple[Adapter, ...] = (
    github,
    circleci,
    woodpecker,
    gitlab,
    drone,
    bitbucket,
    buildkite,
    azure,
    travis,
    jenkins,
    local,
)
"""Detection order: the first adapter whose ``detect()`` is true wins. Woodpecker comes before Drone (its steps carry
``DRONE_*`` copies); ``local`` (git), always detected, is last."""

ADAPTERS = tuple(adapter.NAME for adapter in REGISTRY)
"""The ``--platform`` values, in detection order."""

_BY_NAME = {adapter.NAME: adapter for adapter in REGISTRY}


def adapter_by_name(name: str) -> Adapter:
    """The adapter for a ``--platform`` value."""
    adapter = _BY_NAME.get(name)
    if adapter is None:
        msg = f"--platform {name!r} is not a supported platform"
        raise UnknownPlatformError(msg, tip=f"use auto or one of: {', '.join(ADAPTERS)}")
    return adapter


def detect_adapter(env: Mapping[str, str]) -> Adapter:
    """The first adapter of `REGISTRY` whose ``detect(env)`` is true; ``local`` always is."""
    for adapter in REGISTRY:
        if adapter.detect(env):
            return adapter
    return local  # pragma: no cover - local.detect() is always true


def _on_first_use(name: str) -> object:
    """``Adapter`` and ``SETTING_NAMES``, imported on first use: the protocol needs ``typing``, and the settings'
    declarations attrs, which the start-up path does without."""
    if name == "Adapter":
        from gimlet_ci.adapters._protocol import Adapter  # noqa: PLC0415

        return Adapter
    if name == "SETTING_NAMES":
        from gimlet_ci._settings import SETTINGS  # noqa: PLC0415

        return tuple(declaration.name for declaration in SETTINGS)
    msg = f"module {__name__!r} has no attribute {name!r}"
    raise AttributeError(msg)


if not TYPE_CHECKING:  # for the type checker `Adapter` and `SETTING_NAMES` are declared above
    __getattr__ = _on_first_use

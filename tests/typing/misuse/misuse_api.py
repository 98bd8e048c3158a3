"""Misuse of ``import gimlet_ci`` that mypy must reject; never run (see ``tests/typing/check_misuse.py``)."""

from __future__ import annotations

from pathlib import Path

import gimlet_ci
from gimlet_ci import CIContext, Settings, prepare, ship, track


def wrong_arguments(client: gimlet_ci.GimletClient) -> None:
    prepared = prepare(CIContext(platform="local"), Settings(), checkout=Path())
    ship(prepared, 42, client="nope", bogus=1)  # error: [arg-type, arg-type, call-arg]
    track(client, artifact_id=7, wait="yes")  # error: [arg-type, arg-type]
    prepare(CIContext(platform="local"), Settings())  # error: [call-arg]


def misspelt_names() -> None:
    gimlet_ci.shipp()  # error: [attr-defined]
    from gimlet_ci import Setings  # error: [attr-defined]  # noqa: F401, PLC0415


def wrong_result_types(client: gimlet_ci.GimletClient) -> None:
    status: int = track(client, artifact_id="a", wait=False).status  # error: [assignment]
    version: int = gimlet_ci.__version__  # error: [assignment]
    del status, version


def wrong_settings() -> None:
    Settings(wait="yes", timeout="10m")  # error: [arg-type, arg-type]
    Settings(waitt=True)  # error: [call-arg]
    with gimlet_ci.connect(Settings(), user_agent=1):  # error: [arg-type]
        pass

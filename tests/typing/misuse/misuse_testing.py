"""Misuse of ``gimlet_ci.testing`` that mypy must reject; never run (see ``tests/typing/check_misuse.py``)."""

from __future__ import annotations

from gimlet_ci.testing import GimletServer, is_testing, set_testing


def test_mode() -> None:
    set_testing("yes")  # error: [arg-type]
    set_testing()  # error: [call-arg]
    with set_testing(True, attempts=1):  # error: [call-arg]
        pass
    on: str = is_testing()  # error: [assignment]
    del on


def the_server() -> None:
    with GimletServer(processing_delay="fast") as server:  # error: [arg-type]
        server.urll  # error: [attr-defined]  # noqa: B018


def the_fault_knobs() -> None:
    GimletServer(gitops_failure=1)  # error: [arg-type]
    GimletServer(fial_first=1)  # error: [call-arg]
    with GimletServer() as server:
        server.faults.latency = "slow"  # error: [assignment]

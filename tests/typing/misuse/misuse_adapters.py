"""Misuse of ``gimlet_ci.adapters`` that mypy must reject; never run (see ``tests/typing/check_misuse.py``)."""

from __future__ import annotations

from gimlet_ci.adapters import CIContext, CommitInfo, PlatformOutputs


def wrong_fields() -> None:
    CIContext(platform="local", bogus=1)  # error: [call-arg]
    CIContext(sha="a" * 40)  # error: [call-arg]
    CIContext("local")  # error: [call-arg]
    CIContext(platform="x", pr_number="7", event="merge")  # error: [arg-type, arg-type]
    CommitInfo(created="yesterday")  # error: [arg-type]
    PlatformOutputs(files=(("GITHUB_OUTPUT", 1),))  # error: [arg-type]


def contexts_are_frozen(ctx: CIContext) -> None:
    ctx.sha = "b" * 40  # error: [misc]
    ctx.evolve(sha="b").shaa  # error: [attr-defined]  # noqa: B018

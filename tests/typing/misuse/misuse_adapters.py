"""Misuse of ``gimlet_ci.adapters`` that mypy must reject; never run (see ``tests/typing/check_misuse.py``)."""

from __future__ import annotations

import gimlet_ci.testing
from gimlet_ci import _version
from gimlet_ci.adapters import (
    REGISTRY,
    Adapter,
    CIContext,
    CommitInfo,
    PlatformOutputs,
    adapter_by_name,
    detect_adapter,
)


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


def adapters_are_typed(env: dict[str, str]) -> None:
    adapter = detect_adapter(env)
    adapter.contxt(env, lambda path: b"")  # error: [attr-defined]
    adapter.context({"CI": 1}, lambda path: b"")  # error: [dict-item]
    adapter.context(env, lambda path: path)  # error: [arg-type, return-value]
    adapter.outputs(env, "done")  # error: [arg-type]
    adapter_by_name("github").startup_lines(env, [b"s3cret"])  # error: [list-item]
    tip: int = adapter.MISSING_SECRETS_TIP  # error: [assignment]
    del tip


def a_module_is_an_adapter_only_with_every_member() -> None:
    not_an_adapter: Adapter = _version  # error: [assignment]
    registry: tuple[Adapter, ...] = (*REGISTRY, gimlet_ci.testing)  # error: [arg-type]
    del not_an_adapter, registry

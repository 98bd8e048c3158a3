"""CIContext and CommitInfo behave as frozen value objects."""

from __future__ import annotations

import pytest

from gimlet_ci.adapters import CIContext, CommitInfo


def test_contexts_are_immutable_and_evolve_into_copies() -> None:
    """Setting a field fails with a hint; evolve returns a changed copy and leaves the original alone."""
    ctx = CIContext(platform="github", sha="a")

    with pytest.raises(AttributeError, match=r"use \.evolve\(sha=\.\.\.\)"):
        ctx.sha = "b"  # type: ignore[misc]
    changed = ctx.evolve(sha="b", vars={"X": "1"})

    assert ("a", "b", {"X": "1"}, {}) == (ctx.sha, changed.sha, changed.vars, ctx.vars)


def test_evolve_rejects_unknown_fields() -> None:
    """A misspelt field is an error, not a silently ignored keyword."""
    with pytest.raises(TypeError, match="has no field"):
        CIContext(platform="x").evolve(shaa="b")


def test_equality_hash_and_repr() -> None:
    """Equal fields make equal, equally hashed values; the repr names every field."""
    one = CIContext(platform="x", vars={"A": "1"}, commit=CommitInfo(message="m"))
    two = CIContext(platform="x", vars={"A": "1"}, commit=CommitInfo(message="m"))

    assert one == two
    assert hash(one) == hash(two)
    assert one != one.evolve(branch="main")
    assert repr(one).startswith("CIContext(platform='x', repository=None")

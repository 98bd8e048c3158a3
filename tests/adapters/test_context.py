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


def test_construction_names_unknown_and_missing_fields() -> None:
    """A misspelt field and a missing required one are TypeErrors naming the field; fields are keyword-only."""
    with pytest.raises(TypeError, match=r"unexpected field\(s\) shaa"):
        CIContext(platform="x", shaa="b")  # type: ignore[call-arg]
    with pytest.raises(TypeError, match=r"missing the field\(s\) platform"):
        CIContext(sha="b")  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        CIContext("x")  # type: ignore[misc]


def test_fields_are_declared_once_in_order_with_their_defaults() -> None:
    """The annotated class attributes are the fields, in order; unset ones take the declared default."""
    ctx = CIContext(platform="x")

    assert ("platform", "repository", "owner", "sha") == CIContext._fields[:4]
    assert ("vars", "commit", "warnings") == CIContext._fields[-3:]
    assert {"platform": "x", "event": "push", "vars": {}, "warnings": ()} == {
        name: value for name, value in ctx.as_dict().items() if value is not None
    }
    assert CommitInfo._fields == (
        "message",
        "author_name",
        "author_email",
        "committer_name",
        "committer_email",
        "created",
    )


def test_vars_and_warnings_are_copied_in() -> None:
    """The context keeps its own copy of vars (a dict) and warnings (a tuple); the default dict is never shared."""
    given = {"A": "1"}
    ctx = CIContext(platform="x", vars=given, warnings=["w"])  # type: ignore[arg-type]
    given["B"] = "2"

    assert ({"A": "1"}, ("w",)) == (ctx.vars, ctx.warnings)
    assert CIContext(platform="x").vars is not CIContext(platform="y").vars

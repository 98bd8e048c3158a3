"""gobwas/glob v0.2.3 semantics without separators, as Gimlet compiles deploy policies: the everyday table (the
quirks are in tests/gimlet/test_glob.py)."""

from __future__ import annotations

import pytest

from gimlet_ci.gimlet.glob import GlobSyntaxError, compile_glob


@pytest.mark.parametrize(
    ("pattern", "text", "expected"),
    [
        pytest.param("main", "main", True, id="literal"),
        pytest.param("main", "mainline", False, id="anchored"),
        pytest.param("feature/*", "feature/a/b", True, id="star-crosses-slash"),
        pytest.param("**", "a/b/c", True, id="super-star"),
        pytest.param("*", "", True, id="star-matches-empty"),
        pytest.param("v?", "v1", True, id="single"),
        pytest.param("v?", "v12", False, id="single-is-one-char"),
        pytest.param("v[123]", "v2", True, id="class"),
        pytest.param("v[!123]", "v2", False, id="negated-class"),
        pytest.param("v[!123]", "v4", True, id="negated-class-other"),
        pytest.param("v[a-c]", "vb", True, id="range"),
        pytest.param("v[!a-c]", "vb", False, id="negated-range"),
        pytest.param("{main,master}", "master", True, id="alternatives"),
        pytest.param("{main,master}", "dev", False, id="alternatives-miss"),
        pytest.param("{a,b{c,d}}x", "bdx", True, id="nested-alternatives"),
        pytest.param("release-{v*,rc?}", "release-rc1", True, id="wildcards-in-alternatives"),
        pytest.param("\\*", "*", True, id="escaped-star"),
        pytest.param("\\*", "x", False, id="escaped-star-is-literal"),
        pytest.param("\\[x\\]", "[x]", True, id="escaped-brackets"),
        pytest.param("a,b", "a,b", True, id="comma-outside-braces-is-text"),
        pytest.param("a}b", "a}b", True, id="brace-outside-braces-is-text"),
        pytest.param("!v1*", "v1.2", False, id="bang-is-literal"),
        pytest.param("!v1*", "!v1.2", True, id="bang-literal-matches"),
        pytest.param("a.b", "axb", False, id="dot-is-literal"),
        pytest.param("", "", True, id="empty-matches-empty"),
        pytest.param("*[DEPLOY: ALL]*", "x D y", True, id="class-of-chars"),
        pytest.param("line*", "line1\nline2", True, id="star-crosses-newline"),
    ],
)
def test_match(pattern: str, text: str, expected: bool) -> None:
    """Each glob matches the whole text with gobwas' rules."""
    assert expected == compile_glob(pattern).match(text)


@pytest.mark.parametrize("pattern", ["v[12", "[z-a]", "[]", "[!]", "release/[v1"])
def test_bad_pattern(pattern: str) -> None:
    """A pattern gobwas refuses raises GlobSyntaxError (Gimlet's MustCompile would panic)."""
    with pytest.raises(GlobSyntaxError):
        compile_glob(pattern)


def test_unclosed_brace_is_closed_at_the_end() -> None:
    """An unclosed '{' is closed at the end, as gobwas (and so Gimlet) does."""
    assert compile_glob("x{a,b").match("xb")


def test_compiled_patterns_are_cached() -> None:
    """Compiling the same pattern twice returns the cached object."""
    assert compile_glob("feature/*") is compile_glob("feature/*")
